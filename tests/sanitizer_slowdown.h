// How many times longer a test gives a wall-clock budget in which something
// must be reached. AddressSanitizer's allocator (the asan-ubsan preset,
// docs/testing.md) makes the generators and the model, which allocate at
// every step, many times slower, so a campaign that covers every rule in
// 3 s, or kills a mutant on a kernel in 30 s, needs longer there;
// everywhere else the factor is 1.
#pragma once

namespace slotcheck::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr double kSanitizerSlowdown = 5;
#else
inline constexpr double kSanitizerSlowdown = 1;
#endif

}  // namespace slotcheck::test
