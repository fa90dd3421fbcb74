#include "tools/memory_budget.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/kernel_facts.h"
#include "model/kernel_memory.h"
#include "tools/commands.h"

namespace slotcheck::cli {

std::optional<uint64_t> mem_available() { return meminfo_bytes("MemAvailable"); }

uint64_t default_kernel_memory_budget() {
    const auto available = mem_available();
    return available ? std::min(kDefaultKernelMemoryBudget, *available / 8) : kDefaultKernelMemoryBudget;
}

uint64_t vm_kernel_memory_budget(unsigned memory_mb) {
    return std::min(kDefaultKernelMemoryBudget, (uint64_t{memory_mb} << 20) / 8);
}

std::optional<Profile> budget_profile(const ProfileChoice& choice, std::string& error) {
    std::string why;
    if (kvm_available(why)) {
        const KernelFacts facts = gather_kernel_facts();
        return resolve_profile(choice, &facts, error);
    }
    auto p = resolve_profile(choice, nullptr, error);
    if (!p) return p;
    const KernelFacts facts = gather_kernel_facts();  // the module parameters need no /dev/kvm
    p->mmu = facts.kvm_module.empty() ? MmuKind::Shadow : mmu_kind_of(facts);
    return p;
}

std::optional<int> refuse_over_budget(const char* command, const std::vector<std::string>& files,
                                      const std::vector<Sequence>& sequences, const Profile& profile, uint64_t limit) {
    for (size_t i = 0; i < sequences.size(); ++i)
        if (auto refused = refuse_over_budget(command, files[i], SequenceSteps(sequences[i]), profile, limit))
            return refused;
    return std::nullopt;
}

std::optional<int> refuse_over_budget(const char* command, const std::string& file, const StepSource& steps,
                                      const Profile& profile, uint64_t limit) {
    const auto over = first_step_over(steps, profile, limit);
    if (!over) return std::nullopt;
    std::cerr << "slotcheck " << command << ": " << file << ":" << over->line << ": step " << over->step + 1 << " ("
              << print_op(over->op) << ") would hold about " << describe_bytes(over->bytes) << " of kernel memory ("
              << mmu_kind_name(profile.mmu) << " MMU, profile " << profile.name << "), over the limit of "
              << describe_bytes(limit) << "; nothing was run (--allow-kernel-memory SIZE raises the limit)\n";
    return kExitBadInput;
}

}  // namespace slotcheck::cli
