// Reproducing a kernel report from the sequences a VM ran since boot: the
// search for the culprit over a fake "reproduces?" predicate
// (orchestration/repro_search.h), and the watcher's self-test that plants a report
// several sequences after its cause (harness/kmsg_injection.h, EventLog).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "harness/event_log.h"
#include "harness/kmsg_injection.h"
#include "orchestration/repro_search.h"
#include "seq/sequence.h"

namespace {

namespace fs = std::filesystem;
using slotcheck::cli::find_culprits;

// A predicate that records every set it is asked and reproduces when the
// set holds all of `needed`.
struct FakeKernel {
    std::set<size_t> needed;
    std::vector<std::vector<size_t>> asked;
    size_t budget = SIZE_MAX;  // answers before "out of time"

    std::optional<bool> operator()(const std::vector<size_t>& set) {
        if (asked.size() == budget) return std::nullopt;
        asked.push_back(set);
        for (size_t n : needed)
            if (std::find(set.begin(), set.end(), n) == set.end()) return false;
        return true;
    }
};

TEST(ReproSearch, TriesTheLastFirstThenDoublesThenBisectsToTheCause) {
    FakeKernel k{{1}};
    const auto r = find_culprits(5, std::ref(k));
    ASSERT_TRUE(r.reproduced);
    EXPECT_EQ(r.culprits, (std::vector<size_t>{1}));
    EXPECT_FALSE(r.out_of_time);
    ASSERT_GE(k.asked.size(), 3u);
    EXPECT_EQ(k.asked[0], (std::vector<size_t>{4}));
    EXPECT_EQ(k.asked[1], (std::vector<size_t>{3, 4}));
    EXPECT_EQ(k.asked[2], (std::vector<size_t>{1, 2, 3, 4}));
    EXPECT_EQ(r.attempts, k.asked.size());
    // No set is asked twice.
    EXPECT_EQ(std::set<std::vector<size_t>>(k.asked.begin(), k.asked.end()).size(), k.asked.size());
}

TEST(ReproSearch, TheSequenceInFlightAloneIsOneAttempt) {
    FakeKernel k{{6}};
    const auto r = find_culprits(7, std::ref(k));
    EXPECT_TRUE(r.reproduced);
    EXPECT_EQ(r.culprits, (std::vector<size_t>{6}));
    EXPECT_EQ(r.attempts, 1u);
}

TEST(ReproSearch, KeepsEverySequenceTheReportNeeds) {
    FakeKernel k{{0, 9}};
    const auto r = find_culprits(12, std::ref(k));
    ASSERT_TRUE(r.reproduced);
    EXPECT_EQ(r.culprits, (std::vector<size_t>{0, 9}));
}

TEST(ReproSearch, ReportThatNeverComesBackIsNotReproducedAfterTheWholeBoot) {
    FakeKernel k{{99}};
    const auto r = find_culprits(5, std::ref(k));
    EXPECT_FALSE(r.reproduced);
    EXPECT_TRUE(r.culprits.empty());
    ASSERT_EQ(k.asked.size(), 4u);  // the last 1, 2, 4, then all 5
    EXPECT_EQ(k.asked.back(), (std::vector<size_t>{0, 1, 2, 3, 4}));
    EXPECT_FALSE(find_culprits(0, std::ref(k)).reproduced);
}

TEST(ReproSearch, OutOfTimeKeepsTheBestSetFoundSoFar) {
    FakeKernel k{{1}};
    k.budget = 3;  // the last 1, 2, 4; then no more time
    const auto r = find_culprits(5, std::ref(k));
    EXPECT_TRUE(r.reproduced);
    EXPECT_TRUE(r.out_of_time);
    EXPECT_EQ(r.culprits, (std::vector<size_t>{1, 2, 3, 4}));
    FakeKernel none{{1}};
    none.budget = 1;
    const auto r2 = find_culprits(5, std::ref(none));
    EXPECT_FALSE(r2.reproduced);
    EXPECT_TRUE(r2.out_of_time);
}

TEST(KmsgInjection, ParsesTheLabelAndTheDelayedForms) {
    std::string error;
    auto label = slotcheck::parse_kmsg_injection("dir/r@1.txt@delete.seq", error);
    ASSERT_TRUE(label) << error;
    EXPECT_FALSE(label->caused);
    EXPECT_EQ(label->file, "dir/r@1.txt");
    EXPECT_EQ(label->label_part, "delete.seq");
    auto caused = slotcheck::parse_kmsg_injection("r.txt@+3:hwrite m0+0x0 u64 0x5eed", error);
    ASSERT_TRUE(caused) << error;
    EXPECT_TRUE(caused->caused);
    EXPECT_EQ(caused->file, "r.txt");
    EXPECT_EQ(caused->after, 3u);
    EXPECT_EQ(caused->text_part, "hwrite m0+0x0 u64 0x5eed");
    for (const char* bad : {"nolabel", "@x", "r.txt@", "r.txt@+", "r.txt@+3", "r.txt@+3:", "r.txt@+:x",
                            "r.txt@+-1:x", "r.txt@+1001:x", "r.txt@+2x:y"}) {
        error.clear();
        EXPECT_FALSE(slotcheck::parse_kmsg_injection(bad, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

// The kernel log a run leaves when the sequence with `cause` runs at
// `cause_at` of `count` and the report follows `after` sequences later.
std::string kernel_log_of_run(size_t count, size_t cause_at, unsigned after) {
    const fs::path dir = fs::temp_directory_path() / ("slotcheck-repro-unit-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path kmsg = dir / "kmsg";
    std::ofstream(kmsg).close();
    {
        std::string error;
        auto log = slotcheck::EventLog::open((dir / "events.bin").string(), error, kmsg.string());
        EXPECT_TRUE(log) << error;
        if (!log) return "";
        log->inject_after_cause("u64 0x5eed", after, {"WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x1"});
        for (size_t i = 0; i < count; ++i) {
            const std::string text = "slotcheck-sequence 1\nmmap m0 anon offset=0x0 size=0x1000 prot=rw\nhwrite m0+0x0 u64 " +
                                     std::string(i == cause_at ? "0x5eed" : "0x1") + "\n";
            auto parsed = slotcheck::parse(text);
            EXPECT_FALSE(parsed.error);
            const std::string id = log->begin_sequence("s" + std::to_string(i) + ".seq", *parsed.sequence);
            log->end_sequence(id, "agree");
        }
    }  // closing the log writes a report still pending
    std::stringstream s;
    s << std::ifstream(kmsg).rdbuf();
    fs::remove_all(dir);
    return s.str();
}

// The label of the sequence whose begin marker was the last before the report.
std::string shown_in(const std::string& log) {
    const auto warning = log.find("WARNING: CPU: 0");
    if (warning == std::string::npos) return "(none)";
    EXPECT_EQ(log.find("WARNING: CPU: 0", warning + 1), std::string::npos) << "one report only:\n" << log;
    // The records of a kmsg that is a plain file follow each other without newlines.
    const auto begin = log.rfind(" begin ", warning);
    return log.substr(begin + 7, log.find(".seq", begin) + 4 - begin - 7);
}

TEST(KmsgInjection, DelayedReportSurfacesTheGivenNumberOfSequencesAfterItsCause) {
    EXPECT_EQ(shown_in(kernel_log_of_run(6, 1, 3)), "s4.seq");
    EXPECT_EQ(shown_in(kernel_log_of_run(6, 1, 0)), "s1.seq");
    // Fewer follow than the delay: at the end of the run, after the last end marker.
    const std::string late = kernel_log_of_run(3, 1, 3);
    EXPECT_EQ(shown_in(late), "s2.seq");
    EXPECT_GT(late.find("WARNING: CPU: 0"), late.rfind(" end agree"));
    // Without its cause the report never comes.
    EXPECT_EQ(shown_in(kernel_log_of_run(6, 99, 3)), "(none)");
}

}  // namespace
