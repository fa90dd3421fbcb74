// The one text codec (sys/record.h) and the verdict it carries between
// processes (replay/verdict.h): what goes in comes out, field by field, and
// a record cut short or garbled is an error, never a wrong verdict.
#include <gtest/gtest.h>

#include "replay/verdict.h"
#include "sys/record.h"

namespace slotcheck {
namespace {

Divergence view_divergence() {
    Divergence d;
    d.kind = Divergence::Kind::View;
    d.step = 6;
    d.line = 12;
    d.op_text = "check";
    Observation m;
    m.where = Observation::Where::Guest;
    m.handle = Handle{HandleKind::Vm, 1};
    m.address = 0x200000;
    m.outcome = Outcome::read_value(0xdeadbeef);
    Observation k = m;
    k.outcome = Outcome::mmio(0x200000, false);
    d.model_view = {m};
    d.kernel_view = {k};
    return d;
}

Verdict full_verdict() {
    Verdict v;
    v.status = Verdict::Status::Flaky;
    v.first_status = Verdict::Status::Diverge;
    v.divergence = view_divergence();
    v.detail = "diverge in 1 of 3 runs: " + v.divergence->summary() + "\nwith a newline";
    v.timing = {0.125, 1.0 / 3.0, 2.5};
    v.slow = true;
    v.reproduction = {3, 1};
    v.steps_run = 7;
    v.observations = 40;
    Divergence dev;
    dev.kind = Divergence::Kind::Outcome;
    dev.step = 3;
    dev.op_text = "region v0 slot=0x1";
    dev.model = Outcome::error(22);
    dev.rule = RuleId::Count;
    dev.other = Outcome::ok();
    dev.recorded = Outcome::ok();
    v.deviations_as_recorded = {dev};
    v.stopped_step = 5;
    v.stopped_line = 9;
    v.needs = {"gmem-mmap", "gmem-only"};
    v.trace = {"step 1: vm v0 type=0x0  model ok", ""};
    return v;
}

TEST(VerdictCodec, EveryFieldSurvivesTheRecord) {
    const Verdict v = full_verdict();
    std::string error;
    const auto back = decode_verdict(encode(v), error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->status, v.status);
    EXPECT_EQ(back->first_status, v.first_status);
    EXPECT_EQ(back->detail, v.detail);
    EXPECT_EQ(back->timing.oracle_ops, v.timing.oracle_ops);
    EXPECT_EQ(back->timing.oracle_observe, v.timing.oracle_observe) << "doubles come back exactly";
    EXPECT_EQ(back->timing.total, v.timing.total);
    EXPECT_TRUE(back->slow);
    EXPECT_EQ(back->reproduction.text(), "reproduced 1/3");
    EXPECT_EQ(back->steps_run, 7u);
    EXPECT_EQ(back->observations, 40u);
    ASSERT_TRUE(back->divergence);
    EXPECT_EQ(back->divergence->summary(), v.divergence->summary());
    EXPECT_EQ(back->divergence->model_view, v.divergence->model_view);
    EXPECT_EQ(back->divergence->kernel_view, v.divergence->kernel_view);
    ASSERT_EQ(back->deviations_as_recorded.size(), 1u);
    EXPECT_EQ(back->deviations_as_recorded[0].summary(), v.deviations_as_recorded[0].summary());
    EXPECT_EQ(back->deviations_as_recorded[0].recorded, Outcome::ok());
    EXPECT_EQ(back->stopped_step, v.stopped_step);
    EXPECT_EQ(back->stopped_line, 9);
    EXPECT_EQ(back->needs, v.needs);
    EXPECT_EQ(back->trace, v.trace);
    EXPECT_EQ(failure_signature(*back), failure_signature(v));
}

TEST(VerdictCodec, EveryStatusHasANameThatReadsBack) {
    for (auto s : {Verdict::Status::Agree, Verdict::Status::Diverge, Verdict::Status::Crashed,
                   Verdict::Status::TimedOut, Verdict::Status::Flaky, Verdict::Status::NotReached,
                   Verdict::Status::Skipped, Verdict::Status::Error})
        EXPECT_EQ(verdict_status_from_name(verdict_status_name(s)), s) << verdict_status_name(s);
    EXPECT_FALSE(verdict_status_from_name("agreed"));
}

TEST(VerdictCodec, ACutOrGarbledRecordIsAnErrorNamingTheField) {
    const std::string whole = encode(full_verdict());
    std::string error;
    // Cut anywhere short of its end, the record never reads as a verdict.
    for (size_t cut = 0; cut < whole.size(); cut += 7) {
        error.clear();
        EXPECT_FALSE(decode_verdict(whole.substr(0, cut), error)) << "cut at " << cut;
        EXPECT_FALSE(error.empty()) << "cut at " << cut;
    }
    record::Writer w;
    w.text("status", "agree");
    EXPECT_FALSE(decode_verdict(w.str(), error));
    EXPECT_NE(error.find("first_status"), std::string::npos) << error;

    record::Writer bad = record::Writer().text("status", "won");
    EXPECT_FALSE(decode_verdict(bad.str(), error));
    EXPECT_NE(error.find("status"), std::string::npos) << error;

    Verdict diverged;
    diverged.status = Verdict::Status::Diverge;
    EXPECT_FALSE(decode_verdict(encode(diverged), error)) << "a divergence verdict carries its divergence";
}

TEST(RecordCodec, ValuesHoldAnyBytesAndKeysRepeatInOrder) {
    const std::string awkward = std::string("a\nb 3\n\0c", 8);
    record::Writer w;
    w.text("k", awkward).text("k", "").u64("n", UINT64_MAX).i64("i", -5).real("r", 0.1).flag("f", true);
    std::string error;
    auto r = record::Reader::parse(w.str(), error);
    ASSERT_TRUE(r) << error;
    const auto ks = r->all("k");
    ASSERT_EQ(ks.size(), 2u);
    EXPECT_EQ(ks[0], awkward);
    EXPECT_EQ(ks[1], "");
    EXPECT_EQ(r->u64("n"), UINT64_MAX);
    EXPECT_EQ(r->i64("i"), -5);
    EXPECT_EQ(r->real("r"), 0.1);
    EXPECT_TRUE(r->flag("f"));
    EXPECT_THROW(r->u64("k"), record::BadField);
    EXPECT_THROW(r->text("missing"), record::BadField);
    EXPECT_FALSE(record::Reader::parse("k 5\nab\n", error)) << "a value shorter than its length";
    EXPECT_FALSE(record::Reader::parse("k x\nab\n", error));
    EXPECT_FALSE(record::Reader::parse("k 2\nabX", error)) << "no newline after the value";
}

}  // namespace
}  // namespace slotcheck
