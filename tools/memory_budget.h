// The kernel memory budget on the command line (model/kernel_memory.h):
// --kernel-memory-budget SIZE for the commands that generate sequences
// (fuzz, vm), --allow-kernel-memory SIZE for those that run given sequences
// on a kernel (replay, minimize, vm --replay), the default read from this
// machine, and the refusal of a sequence that would exceed the limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seq/sequence.h"
#include "seq/step_source.h"
#include "sys/meminfo.h"
#include "tools/profile_options.h"

namespace slotcheck::cli {

// MemAvailable of /proc/meminfo in bytes; nothing when it cannot be read.
std::optional<uint64_t> mem_available();
// The smaller of 1 GiB and an eighth of MemAvailable (1 GiB when unknown).
uint64_t default_kernel_memory_budget();
// The default inside a VM of `memory_mb` MiB: the smaller of 1 GiB and an
// eighth of its memory (what its own MemAvailable / 8 is at most).
uint64_t vm_kernel_memory_budget(unsigned memory_mb);

// The profile whose MMU the budget check estimates with before /dev/kvm is
// opened: the one the command will run with where /dev/kvm works; without
// it, the chosen or upstream profile with the machine's MMU, or shadow
// paging (the costliest) when no KVM module says which.
std::optional<Profile> budget_profile(const ProfileChoice& choice, std::string& error);

// The first step of any of `sequences` (read from `files`) during which the
// model expects the kernel to hold more than `limit` bytes: prints
// "slotcheck COMMAND: FILE:LINE: step N (OP) would hold about X of kernel
// memory (MMU ...), over the limit of Y; --allow-kernel-memory SIZE raises
// it" and returns kExitBadInput; nothing when every step fits.
std::optional<int> refuse_over_budget(const char* command, const std::vector<std::string>& files,
                                      const std::vector<Sequence>& sequences, const Profile& profile, uint64_t limit);
// The same for one file's steps read one at a time (replay of a long file).
std::optional<int> refuse_over_budget(const char* command, const std::string& file, const StepSource& steps,
                                      const Profile& profile, uint64_t limit);

}  // namespace slotcheck::cli
