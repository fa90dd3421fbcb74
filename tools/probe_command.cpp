// slotcheck probe: what kernel this is, what it can do, and which profile
// (with which variants) the model will use for it.
#include <iostream>
#include <sstream>

#include "harness/kernel_facts.h"
#include "model/kernel_memory.h"
#include "seq/text_scan.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/event_options.h"
#include "tools/profile_options.h"

namespace slotcheck::cli {

namespace {

void print_variants(std::ostream& out) {
    for (const auto& v : variant_table()) out << "  " << v.name << "\n      " << v.description << "\n";
}

void print_profile(std::ostream& out, const Profile& p) {
    out << "profile " << p.name << ": " << p.description << "\n";
    out << "  nr_memslots " << p.nr_memslots << ", address spaces " << p.nr_address_spaces << ", vm types "
        << hex(p.vm_type_mask()) << ", max gfn " << hex(p.max_gfn) << ", TASK_SIZE_MAX " << hex(p.task_size_max)
        << ", readonly memory " << (p.readonly_mem ? "yes" : "no") << "\n";
    auto diffs = p.differences_from_upstream();
    out << "  variants that differ from upstream:" << (diffs.empty() ? " none" : "") << "\n";
    for (const auto& d : diffs) out << "    " << d << "\n";
}

int print_probe(std::ostream& out, const ProfileChoice& choice, std::string& error) {
    std::string why;
    bool have_kvm = kvm_available(why);
    KernelFacts f = gather_kernel_facts();
    out << "kernel " << f.release << " (" << f.major << "." << f.minor << "." << f.patch << ")\n";
    if (!have_kvm) {
        out << "/dev/kvm: unavailable: " << why << "\n";
    } else {
        out << "kvm module " << (f.kvm_module.empty() ? "?" : f.kvm_module) << ", tdp "
            << (f.tdp_enabled ? "on" : "off") << " (MMU " << mmu_kind_name(mmu_kind_of(f))
            << ": what a memslot costs, docs/model.md), MAXPHYADDR " << f.phys_addr_bits << ", 5-level paging "
            << (f.five_level_paging ? "yes" : "no") << "\n";
        out << "capabilities: USER_MEMORY2 " << f.cap_user_memory2 << ", GUEST_MEMFD(vm) " << f.cap_guest_memfd_vm
            << ", GUEST_MEMFD_FLAGS " << f.cap_guest_memfd_flags << ", MEMORY_ATTRIBUTES "
            << f.cap_memory_attributes << ", VM_TYPES " << f.cap_vm_types << ", NR_MEMSLOTS "
            << f.cap_nr_memslots << ", MULTI_ADDRESS_SPACE " << f.cap_multi_address_space << ", READONLY_MEM "
            << f.cap_readonly_mem << ", MEMORY_FAULT_INFO " << f.cap_memory_fault_info
            << ", SET_MEMORY_ATTRIBUTES ioctl " << (f.has_set_memory_attributes_ioctl ? "yes" : "no (ENOTTY)")
            << ", CREATE_GUEST_MEMFD ioctl " << (f.has_create_guest_memfd_ioctl ? "yes" : "no (ENOTTY)") << "\n";
        for (const auto& line : unmodelled_lines(f, true)) out << line << "\n";
    }
    auto decision = decide(choice, have_kvm ? &f : nullptr, error);
    if (!decision) return kExitBadInput;
    print_profile(out, decision->profile);
    if (!have_kvm) out << "deviation probes: not run (no /dev/kvm)\n";
    for (const auto& line : describe(*decision, true)) out << line << "\n";
    return have_kvm || choice.name ? kExitOk : kExitNoEnvironment;
}
}  // namespace

int probe_main(int argc, char** argv) {
    ProfileChoice choice;
    EventChoice event_choice;
    bool variants = false;
    CommandLine line("probe",
                     "The kernel, its capabilities, what it reports that the model has no rules for, the\n"
                     "profile the model uses, and the deviation probes: each binding behaviour no capability\n"
                     "reports, asked of the kernel in a scratch VM and of the model, with its sequence.",
                     "exit: 0 reported, 2 bad input, 3 no /dev/kvm and no --profile (docs/output.md, \"Exit codes\")");
    add_profile_options(line, choice);
    line.add_switch("--variants", variants, "list the variants");
    add_event_options(line, event_choice, "also write the report to an event log");
    if (auto code = line.parse(argc, argv)) return *code;
    if (variants) {
        print_variants(std::cout);
        return kExitOk;
    }
    std::string error;
    auto events = open_event_log(event_choice, error);
    if (!error.empty()) {
        std::cerr << "slotcheck probe: " << error << "\n";
        return kExitBadInput;
    }
    // The report goes to stdout and, whole, to the event log.
    std::ostringstream out;
    const int code = print_probe(out, choice, error);
    std::cout << out.str();
    if (code == kExitBadInput) std::cerr << "slotcheck probe: " << error << "\n";
    if (events) events->write(event::kProbe, out.str());
    return code;
}


}  // namespace slotcheck::cli
