// The VmallocUsed report a fuzz campaign in a VM sends to `slotcheck vm`
// (orchestration/vmalloc_watch.h): the frame's text both ways, what a malformed one
// gets, and the sampler on this machine's /proc/meminfo.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "orchestration/vmalloc_watch.h"
#include "sys/meminfo.h"

namespace {

using namespace slotcheck;
using namespace slotcheck::cli;

TEST(VmallocReport, RoundTripsAndGrowthIsPeakOverStart) {
    const VmallocSample s{10 << 20, 14 << 20, 12 << 20, 256 << 20, 20};
    const auto back = decode_vmalloc(encode_vmalloc(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->start, s.start);
    EXPECT_EQ(back->peak, s.peak);
    EXPECT_EQ(back->now, s.now);
    EXPECT_EQ(back->budget, s.budget);
    EXPECT_EQ(back->samples, 20u);
    EXPECT_EQ(back->growth(), 4u << 20);
    EXPECT_EQ(describe_vmalloc(s),
              "VmallocUsed grew at most 4.0 MiB (10.0 MiB at start, peak 14.0 MiB, 20 samples) of a budget of "
              "256.0 MiB (1.6%)");
}

TEST(VmallocReport, MalformedReportsAreRefused) {
    EXPECT_FALSE(decode_vmalloc(""));
    EXPECT_FALSE(decode_vmalloc("start 1\npeak 2\nnow 2\nbudget 9\n"));                  // samples missing
    EXPECT_FALSE(decode_vmalloc("start 1\npeak 2\nnow 2\nbudget 9\nsamples 1\nmore 1\n"));  // something after
    EXPECT_FALSE(decode_vmalloc("peak 2\nstart 1\nnow 2\nbudget 9\nsamples 1\n"));        // out of order
    EXPECT_FALSE(decode_vmalloc("start 5\npeak 2\nnow 2\nbudget 9\nsamples 1\n"));        // a peak below the start
    EXPECT_FALSE(decode_vmalloc("start 1\npeak 2\nnow x\nbudget 9\nsamples 1\n"));
}

TEST(VmallocWatch, SamplesThisMachinesVmallocUsedUntilDestroyed) {
    if (!meminfo_bytes("VmallocUsed")) GTEST_SKIP() << "this /proc/meminfo has no VmallocUsed";
    std::optional<VmallocSample> seen;
    {
        VmallocWatch watch(1 << 30, std::chrono::milliseconds(20));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        seen = watch.seen();
    }
    ASSERT_TRUE(seen);
    EXPECT_GT(seen->start, 0u);
    EXPECT_GE(seen->peak, seen->start);
    EXPECT_GE(seen->peak, seen->now);
    EXPECT_EQ(seen->budget, 1u << 30);
    // One sample at construction, then one every 20 ms.
    EXPECT_GE(seen->samples, 5u);
}

}  // namespace
