// The text form: exact round trips, precise errors, no crash on any input.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "generators/sequence_gen.h"
#include "seq/sequence.h"

namespace slotcheck {
namespace {

RC_GTEST_PROP(SequenceText, PrintThenParseIsIdentity, ()) {
    Sequence seq = *gen::any_sequence(40);
    std::string text = print(seq);
    ParseResult r = parse(text, "generated");
    RC_ASSERT(!r.error.has_value());
    RC_ASSERT(*r.sequence == seq);
    // And the printed form is canonical: printing the parsed sequence again
    // gives the same bytes.
    RC_ASSERT(print(*r.sequence) == text);
}

RC_GTEST_PROP(SequenceText, ParserNeverCrashesOnMutatedText, ()) {
    Sequence seq = *gen::any_sequence(12);
    std::string text = print(seq);
    // Replace, insert or delete characters at random places.
    int edits = *rc::gen::inRange(1, 8);
    for (int i = 0; i < edits && !text.empty(); ++i) {
        size_t at = *rc::gen::inRange<size_t>(0, text.size());
        char c = *rc::gen::element('=', '#', '|', ' ', '\n', 'x', '0', ':', '+', '\0', '\xff', 'v', 'm');
        switch (*rc::gen::inRange(0, 3)) {
        case 0: text[at] = c; break;
        case 1: text.insert(at, 1, c); break;
        default: text.erase(at, 1);
        }
    }
    ParseResult r = parse(text, "mutated");
    RC_ASSERT(r.sequence.has_value() != r.error.has_value());
    if (r.error) RC_ASSERT(r.error->line >= 0);
}

RC_GTEST_PROP(SequenceText, ParserNeverCrashesOnRandomBytes, (const std::string& tail)) {
    ParseResult r = parse("slotcheck-sequence 1\n" + tail, "random");
    RC_ASSERT(r.sequence.has_value() != r.error.has_value());
}

ParseResult parse_text(const std::string& body) { return parse("slotcheck-sequence 1\n" + body, "t.seq"); }

TEST(SequenceText, ErrorNamesFileLineAndColumn) {
    ParseResult r = parse_text("vm v0 type=0\nregion v0 slot=1 gpa=0x1000 size=zz\n");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->file, "t.seq");
    EXPECT_EQ(r.error->line, 3);
    EXPECT_EQ(r.error->column, 29);
    EXPECT_NE(r.error->message.find("'size' needs a number"), std::string::npos) << r.error->to_string();
}

TEST(SequenceText, MissingHeaderIsAnError) {
    ParseResult r = parse("vm v0\n", "h.seq");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->line, 1);
    EXPECT_NE(r.error->message.find("slotcheck-sequence"), std::string::npos);
}

TEST(SequenceText, FutureVersionIsRefusedByName) {
    ParseResult r = parse("slotcheck-sequence 2\n", "v.seq");
    ASSERT_TRUE(r.error);
    EXPECT_NE(r.error->message.find("unsupported format version 2"), std::string::npos);
}

TEST(SequenceText, UnknownOperationListsTheKnownOnes) {
    ParseResult r = parse_text("frobnicate v0\n");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->line, 2);
    EXPECT_EQ(r.error->column, 1);
    EXPECT_NE(r.error->message.find("expected vm, gmem"), std::string::npos);
}

// Found by the parser's libFuzzer target (scripts/fuzz-parser): a line that
// is only an outcome read an empty optional.
TEST(SequenceText, AnOutcomeWithoutAnOperationIsAnError) {
    auto r = parse("slotcheck-sequence 1\n => ok\n", "f.seq");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->line, 2);
    EXPECT_NE(r.error->message.find("expected an operation before '=>'"), std::string::npos) << r.error->to_string();
}

TEST(SequenceText, HandleUsedBeforeCreationIsAnError) {
    ParseResult r = parse_text("vm v0\ngread v1 0x1000\n");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->line, 3);
    EXPECT_NE(r.error->message.find("v1 is used before it is created"), std::string::npos);
}

TEST(SequenceText, ExpectationWithVariantAlternative) {
    ParseResult r = parse_text("vm v0\nregion v0 slot=1 gpa=0 size=0 => EINVAL | binding-overlap-eexist: EEXIST\n");
    ASSERT_TRUE(r.sequence) << r.error->to_string();
    const auto& e = *r.sequence->steps[1].expect;
    EXPECT_EQ(e.outcome, Outcome::error(EINVAL));
    ASSERT_EQ(e.alternatives.size(), 1u);
    EXPECT_EQ(e.alternatives[0].variant, "binding-overlap-eexist");
    EXPECT_EQ(e.alternatives[0].outcome, Outcome::error(EEXIST));
}

TEST(SequenceText, UnknownVariantIsAnError) {
    ParseResult r = parse_text("vm v0 => ok | no-such-variant: EINVAL\n");
    ASSERT_TRUE(r.error);
    EXPECT_NE(r.error->message.find("unknown profile variant 'no-such-variant'"), std::string::npos);
}

TEST(SequenceText, GuestAccessInsideTheProbeMemoryIsRefused) {
    ParseResult r = parse_text("vm v0\ngread v0 0xc0000000\n");
    ASSERT_TRUE(r.error);
    EXPECT_NE(r.error->message.find("probe's own memory"), std::string::npos);
}

TEST(SequenceText, OutcomeForms) {
    std::string err;
    for (const char* text : {"ok", "EINVAL", "0x2a", "sigbus", "sigsegv", "mmio read 0x1000", "mmio write 0x0",
                             "memfault EFAULT flags=0x0 gpa=0x1000 size=0x1000", "run EFAULT exit=0x0", "timeout",
                             "noprobe", "E200"}) {
        auto o = parse_outcome(text, err);
        ASSERT_TRUE(o) << text << ": " << err;
        EXPECT_EQ(to_string(*o), text);
    }
    EXPECT_FALSE(parse_outcome("mmio sideways 0x0", err));
    EXPECT_FALSE(parse_outcome("ok trailing", err));
}

}  // namespace
}  // namespace slotcheck

namespace slotcheck {
namespace {

TEST(SequenceValidation, HugeAllocationIsRefusedButHugeFailingRangesAreNot) {
    auto r = parse("slotcheck-sequence 1\nmemfd f0 size=0x1000\nfallocate f0 mode=0x1 offset=0x0 len=0x80000000\n", "a");
    ASSERT_TRUE(r.error);
    EXPECT_NE(r.error->message.find("refuses more than"), std::string::npos);
    // Past the end of a small guest_memfd: EINVAL before any allocation.
    r = parse("slotcheck-sequence 1\nvm v0\ngmem g0 vm=v0 size=0x4000\nfallocate g0 mode=0x1 offset=0x0 len=0x80000000\n",
              "b");
    EXPECT_FALSE(r.error) << r.error->to_string();
    // Punching never allocates.
    r = parse("slotcheck-sequence 1\nmemfd f0 size=0x1000\nfallocate f0 mode=0x3 offset=0x0 len=0x80000000\n", "c");
    EXPECT_FALSE(r.error) << r.error->to_string();
}

}  // namespace
}  // namespace slotcheck
