// Counterexamples as sequences, and the prove command: exit codes, JSON,
// --emit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <variant>

#include "model/profile.h"
#include "model/world.h"
#include "prover/prove.h"
#include "prover/counterexample.h"
#include "seq/sequence.h"
#include "tests/json_read.h"
#include "tools/prove_command.h"

namespace slotcheck::smt {
namespace {

// A trace written by hand: design 5's stale translation after a punch, on
// prover file 7 (handle g0, three pages).
Counterexample stale_after_punch() {
    TraceWriter w("gfn-start-context", "invalidation-sound");
    w.need_pages(7, 3);
    w.registration(0, 0, 0x10, 2, true, 7, 1, "register slot 0: as 0, gfns [0x10, 0x12) -> f7 pages [0x1, 0x3)");
    w.access(0, 0x10, "guest access as 0 gfn 0x10 -> f7 page 0x1 (slot 0), translation cached");
    w.punch(7, 1, 2,
            "punch f7 pages [0x1, 0x2); design zaps as 0 gfns [0x11, 0x12) (notifier); backed by the punched "
            "pages: as 0 gfns [0x10, 0x11) (slot 0)");
    w.violation("gfn 0x10 is still cached");
    w.read_after_last({0, 0x10});
    w.write_before_last({0, 0x10}, "marker on a punched page");
    return w.finish();
}

template <class T>
std::vector<T> ops_of(const Sequence& s) {
    std::vector<T> out;
    for (const Step& st : s.steps)
        if (const T* t = std::get_if<T>(&st.op)) out.push_back(*t);
    return out;
}

TEST(ToSequence, BuildsARunnableKernelScenario) {
    Sequence s = stale_after_punch().sequence;
    ASSERT_EQ(ops_of<CreateVm>(s).size(), 1u);
    auto gmems = ops_of<CreateGmem>(s);
    ASSERT_EQ(gmems.size(), 1u);
    EXPECT_EQ(gmems[0].flags, 0x3u);
    EXPECT_EQ(gmems[0].size, 3 * kPageSize);
    auto regions = ops_of<SetRegion>(s);
    ASSERT_EQ(regions.size(), 1u);
    EXPECT_EQ(regions[0].version, 2);
    EXPECT_EQ(regions[0].flags, 0x4u);
    EXPECT_EQ(regions[0].slot, 0u);
    EXPECT_EQ(regions[0].gpa, 0x10 * kPageSize);
    EXPECT_EQ(regions[0].size, 2 * kPageSize);
    EXPECT_EQ(regions[0].gmem_offset, kPageSize);
    EXPECT_FALSE(regions[0].uaddr.symbolic);
    EXPECT_EQ(regions[0].uaddr.value, 0u);
    auto punches = ops_of<Fallocate>(s);
    ASSERT_EQ(punches.size(), 1u);
    EXPECT_EQ(punches[0].mode, 0x3u);
    EXPECT_EQ(punches[0].offset, kPageSize);
    EXPECT_EQ(punches[0].len, kPageSize);
    // The access is a marker write before the punch; the stale gfn is read after.
    auto writes = ops_of<GuestWrite>(s);
    ASSERT_GE(writes.size(), 1u);
    EXPECT_EQ(writes[0].gpa, 0x10 * kPageSize);
    auto reads = ops_of<GuestRead>(s);
    ASSERT_GE(reads.size(), 1u);
    EXPECT_EQ(reads[0].gpa, 0x10 * kPageSize);
    EXPECT_TRUE(std::holds_alternative<Check>(s.steps.back().op));
    for (const Step& st : s.steps) EXPECT_FALSE(st.expect.has_value());
    EXPECT_FALSE(validate_handles(s, "x.seq").has_value());
}

TEST(ToSequence, PrintsAndParsesBack) {
    Sequence s = stale_after_punch().sequence;
    std::string text = print(s);
    ParseResult back = parse(text, "x.seq");
    ASSERT_TRUE(back.sequence.has_value()) << (back.error ? back.error->to_string() : "") << text;
    EXPECT_EQ(*back.sequence, s);
    EXPECT_NE(text.find("Prover counterexample: design gfn-start-context"), std::string::npos);
}

// Replays a sequence on the reference model (upstream semantics by default).
std::vector<Outcome> replay_on_model(const Sequence& s, const Profile& profile = upstream_profile()) {
    slotcheck::World w(profile);
    std::vector<Outcome> out;
    for (const Step& st : s.steps) {
        if (std::holds_alternative<Check>(st.op)) continue;
        out.push_back(w.apply(st.op));
    }
    return out;
}

Cell cell(const char* design, const char* property) {
    return prove_matrix({{design}, {property}, 6}).at(0).cells.at(0);
}

TEST(ToSequence, TheAliasingRegistrationIsRejectedByUpstreamSemantics) {
    Cell c = cell("ofs-tree-all", "one-to-one");
    ASSERT_TRUE(c.cex);
    Sequence s = c.cex->sequence;
    std::vector<Outcome> out = replay_on_model(s);
    // The second region is the aliasing binding the design accepted.
    int regions = 0;
    size_t i = 0;
    for (const Step& st : s.steps) {
        if (std::holds_alternative<Check>(st.op)) continue;
        if (std::holds_alternative<SetRegion>(st.op) && ++regions == 2) {
            EXPECT_EQ(out[i].kind, Outcome::Kind::Errno) << to_string(out[i]);
        }
        ++i;
    }
    EXPECT_EQ(regions, 2);
}

TEST(ToSequence, TheStaleGfnReadsZeroUnderUpstreamSemantics) {
    Cell c = cell("gfn-start-context", "invalidation-sound");
    ASSERT_TRUE(c.cex);
    Sequence s = c.cex->sequence;
    std::vector<Outcome> out = replay_on_model(s);
    ASSERT_FALSE(out.empty());
    const Outcome& last_read = out.back();
    EXPECT_EQ(last_read.kind, Outcome::Kind::Value) << to_string(last_read);
    EXPECT_EQ(last_read.value, 0u) << "the punched page must read as zero, not the marker";
}

// The private form: the same trace on a software-protected VM, for kernels
// where only VM type 1 binds guest_memfd (6.12 with KVM_SW_PROTECTED_VM).
TEST(ToSequence, ThePrivateFormUsesTypeOneFilesWithoutFlagsAndPrivateGfns) {
    Sequence s = in_form(stale_after_punch(), VmForm::Private);
    auto vms = ops_of<CreateVm>(s);
    ASSERT_EQ(vms.size(), 1u);
    EXPECT_EQ(vms[0].type, 1u);
    auto gmems = ops_of<CreateGmem>(s);
    ASSERT_EQ(gmems.size(), 1u);
    EXPECT_EQ(gmems[0].flags, 0u);
    // The registered gfns [0x10, 0x12) become private before anything is bound.
    auto attrs = ops_of<SetAttributes>(s);
    ASSERT_EQ(attrs.size(), 1u);
    EXPECT_EQ(attrs[0].address, 0x10 * kPageSize);
    EXPECT_EQ(attrs[0].size, 2 * kPageSize);
    EXPECT_EQ(attrs[0].attributes, kAttributePrivate);
    EXPECT_TRUE(std::holds_alternative<SetAttributes>(s.steps.at(1).op));
    // The rest of the scenario is the default form's.
    Sequence plain = stale_after_punch().sequence;
    EXPECT_EQ(ops_of<SetRegion>(s), ops_of<SetRegion>(plain));
    EXPECT_EQ(ops_of<Fallocate>(s), ops_of<Fallocate>(plain));
    EXPECT_EQ(ops_of<GuestRead>(s), ops_of<GuestRead>(plain));
    EXPECT_FALSE(validate_handles(s, "x.seq").has_value());
    EXPECT_NE(print(s).find("software-protected VM (type 1)"), std::string::npos);
}

// On 6.12 with VM type 1 the default form stops at its guest_memfd (no
// MMAP flag there); the private form binds and the punched page reads zero.
TEST(ToSequence, ThePrivateFormTestsTheStaleGfnOn612WithTypeOne) {
    Cell c = cell("gfn-start-context", "invalidation-sound");
    ASSERT_TRUE(c.cex);
    const Profile on_612 = *named_profile("linux-6.12-sw-protected");
    const std::vector<Outcome> plain = replay_on_model(c.cex->sequence, on_612);
    ASSERT_GE(plain.size(), 2u);
    EXPECT_EQ(plain[1].kind, Outcome::Kind::Errno) << "the MMAP|INIT_SHARED guest_memfd: " << to_string(plain[1]);
    const Sequence s = in_form(*c.cex, VmForm::Private);
    const std::vector<Outcome> out = replay_on_model(s, on_612);
    size_t i = 0;
    for (const Step& st : s.steps) {
        if (std::holds_alternative<Check>(st.op)) continue;
        if (!std::holds_alternative<GuestRead>(st.op)) {
            EXPECT_EQ(out[i].kind, Outcome::Kind::Ok) << print(s);
        }
        ++i;
    }
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back().kind, Outcome::Kind::Value) << to_string(out.back());
    EXPECT_EQ(out.back().value, 0u) << "the punched page must read as zero, not the marker";
}

TEST(ProveCommand, ExitCodes) {
    std::ostringstream out, err;
    EXPECT_EQ(run_prove({{"per-slot-context"}, {}, 4, std::nullopt, false, 20000}, out, err), cli::kExitOk)
        << out.str() << err.str();
    EXPECT_EQ(run_prove({{"gfn-start-context"}, {"invalidation-precise"}, 4, std::nullopt, false, 20000}, out, err),
              cli::kExitDivergence);
    // Depth 1 cannot reach design 1's 4-step stale translation: UNKNOWN.
    EXPECT_EQ(run_prove({{"1"}, {"invalidation-sound"}, 1, std::nullopt, false, 20000}, out, err), cli::kExitUnknown);
    EXPECT_EQ(run_prove({{"no-such-design"}, {}, 4, std::nullopt, false, 20000}, out, err), cli::kExitBadInput);
    EXPECT_EQ(run_prove({{}, {"no-such-property"}, 4, std::nullopt, false, 20000}, out, err), cli::kExitBadInput);
}

TEST(ProveCommand, PrintsTheMatrixAndTheTrace) {
    std::ostringstream out, err;
    run_prove({{"5", "6"}, {"invalidation-sound"}, 4, std::nullopt, false, 20000}, out, err);
    std::string text = out.str();
    EXPECT_NE(text.find("invalidation-sound"), std::string::npos);
    EXPECT_NE(text.find("CEX(3)"), std::string::npos) << text;
    EXPECT_NE(text.find("PROVED"), std::string::npos);
    EXPECT_NE(text.find("COUNTEREXAMPLE (3 steps): design 5 gfn-start-context"), std::string::npos) << text;
    EXPECT_NE(text.find("punch f0 pages"), std::string::npos) << text;
}

TEST(ProveCommand, JsonAndEmit) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("slotcheck-prove-" + std::to_string(::getpid()));
    std::ostringstream out, err;
    int rc = run_prove({{"gfn-start-context"}, {"invalidation-sound", "gfn-disjoint"}, 4, dir.string(), true, 20000},
                       out, err);
    EXPECT_EQ(rc, cli::kExitDivergence) << err.str();
    const std::string text = out.str();
    std::string error;
    const test::json doc = test::parse_document(text, "slotcheck.prove/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << text;
    ASSERT_EQ(doc["designs"].size(), 1u) << text;
    const test::json& design = doc["designs"][0];
    EXPECT_EQ(design["name"], "gfn-start-context") << text;
    std::map<std::string, test::json> cells;
    for (const auto& cell : design["cells"]) cells[cell["property"].get<std::string>()] = cell;
    ASSERT_EQ(cells.size(), 2u) << text;
    EXPECT_EQ(cells["invalidation-sound"]["status"], "COUNTEREXAMPLE") << text;
    EXPECT_EQ(cells["invalidation-sound"]["steps"], 3) << text;
    EXPECT_EQ(cells["invalidation-sound"]["trace"].size(), 3u) << text;
    EXPECT_EQ(cells["invalidation-sound"]["sequence"], (dir / "gfn-start-context.invalidation-sound.seq").string())
        << text;
    EXPECT_EQ(cells["gfn-disjoint"]["status"], "PROVED") << text;
    fs::path file = dir / "gfn-start-context.invalidation-sound.seq";
    ASSERT_TRUE(fs::exists(file));
    ParseResult back = parse_file(file.string());
    ASSERT_TRUE(back.sequence.has_value()) << (back.error ? back.error->to_string() : "");
    EXPECT_FALSE(ops_of<Fallocate>(*back.sequence).empty());
    fs::remove_all(dir);
}

TEST(ProveCommand, EmitPrivateWritesTheTypeOneForm) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("slotcheck-prove-private-" + std::to_string(::getpid()));
    ProveOptions opts{{"gfn-start-context"}, {"invalidation-sound"}, 4, std::nullopt, false, 20000};
    opts.emit_private_dir = dir.string();
    std::ostringstream out, err;
    EXPECT_EQ(run_prove(opts, out, err), cli::kExitDivergence) << err.str();
    EXPECT_NE(out.str().find("private sequence: " + (dir / "gfn-start-context.invalidation-sound.seq").string()),
              std::string::npos)
        << out.str();
    ParseResult back = parse_file((dir / "gfn-start-context.invalidation-sound.seq").string());
    ASSERT_TRUE(back.sequence.has_value()) << (back.error ? back.error->to_string() : "");
    auto vms = ops_of<CreateVm>(*back.sequence);
    ASSERT_EQ(vms.size(), 1u);
    EXPECT_EQ(vms[0].type, 1u);
    EXPECT_FALSE(ops_of<SetAttributes>(*back.sequence).empty());
    fs::remove_all(dir);
}

}  // namespace
}  // namespace slotcheck::smt
