// The rule table: every check and every effect the model knows, each with a
// name, the errno (or effect) it yields and where in the kernel source or
// api.rst it comes from. The model cites a rule for every outcome it
// predicts; fuzzing counts rule coverage; a mutant disables one rule.
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace slotcheck {

// X(id, name, errno-or-0, source, summary). errno 0 means the rule decides
// a success or an observable effect.
#define SLOTCHECK_RULES(X)                                                                                      \
    X(FdClosed, "fd.closed", EBADF, "fdget() in every syscall",                                              \
      "the fd is closed or was never opened")                                                                \
    X(VmCreateType, "vm.create-type", EINVAL, "kvm_dev_ioctl_create_vm / kvm_arch_init_vm",                   \
      "VM type not in KVM_CAP_VM_TYPES")                                                                     \
    X(VmCreate, "vm.create", 0, "kvm_dev_ioctl_create_vm", "VM created")                                     \
    X(MemfdCreateSize, "memfd.create-size", EINVAL, "do_sys_ftruncate: length < 0",                          \
      "memfd size with bit 63 set")                                                                          \
    X(MemfdCreate, "memfd.create", 0, "memfd_create + ftruncate", "memfd created")                           \
    X(GmemCreateUnsupported, "gmem.create-unsupported", ENOTTY, "kvm_vm_ioctl: no KVM_CREATE_GUEST_MEMFD",   \
      "the kernel has no guest_memfd")                                                                       \
    X(GmemCreateFlags, "gmem.create-flags", EINVAL, "kvm_gmem_create: flags & ~supported",                   \
      "unsupported guest_memfd flags")                                                                       \
    X(GmemCreateSize, "gmem.create-size", EINVAL, "kvm_gmem_create: size <= 0 || !PAGE_ALIGNED(size)",       \
      "guest_memfd size zero, negative or unaligned")                                                        \
    X(GmemCreate, "gmem.create", 0, "kvm_gmem_create / __kvm_gmem_create", "guest_memfd created")            \
    X(MmapLength, "mmap.length", EINVAL, "ksys_mmap_pgoff/do_mmap: len == 0", "zero-length mapping")         \
    X(MmapOffset, "mmap.offset-unaligned", EINVAL, "mmap: offset & ~PAGE_MASK", "unaligned file offset")     \
    X(MmapOverflow, "mmap.overflow", EOVERFLOW,                                                             \
      "do_mmap: file_mmap_ok(): pgoff > (MAX_LFS_FILESIZE - len) >> PAGE_SHIFT",                             \
      "a file mapping that ends past 2^63 - 1")                                                              \
    X(MmapNoexec, "mmap.gmem-noexec", EPERM, "do_mmap: path_noexec() on the guest_memfd mount",              \
      "PROT_EXEC mapping of a guest_memfd")                                                                  \
    X(MmapGmemNoMmap, "mmap.gmem-no-mmap", ENODEV, "kvm_gmem_mmap: !kvm_gmem_supports_mmap()",               \
      "guest_memfd created without GUEST_MEMFD_FLAG_MMAP")                                                   \
    X(Mmap, "mmap.map", 0, "do_mmap", "mapping created")                                                     \
    X(Munmap, "munmap.unmap", 0, "do_munmap (unmapping nothing also succeeds)", "mapping removed")           \
    X(RegionV1Flags, "region.v1-flags", EINVAL, "kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION)",                  \
      "version 1 takes only LOG_DIRTY_PAGES|READONLY")                                                       \
    X(RegionSlotLimit, "region.slot-id-limit", EINVAL,                                                       \
      "kvm_vm_ioctl_set_memory_region: (u16)slot >= KVM_USER_MEM_SLOTS", "slot id past KVM_CAP_NR_MEMSLOTS") \
    X(RegionFlagsUnknown, "region.flags-unknown", EINVAL, "check_memory_region_flags",                       \
      "unknown memslot flag bits")                                                                           \
    X(RegionGmemUnsupported, "region.gmem-flag-unsupported", EINVAL,                                         \
      "check_memory_region_flags: KVM_MEM_GUEST_MEMFD needs kvm_arch_has_private_mem (before 6.18)",         \
      "this VM cannot bind guest_memfd")                                                                     \
    X(RegionGmemDirtyLog, "region.gmem-no-dirty-log", EINVAL,                                                \
      "check_memory_region_flags: GUEST_MEMFD removes LOG_DIRTY_PAGES", "dirty logging of a guest_memfd slot") \
    X(RegionReadonly, "region.readonly-invalid", EINVAL,                                                     \
      "check_memory_region_flags: READONLY needs kvm_arch_has_readonly_mem && !GUEST_MEMFD",                 \
      "read-only guest_memfd slot, or read-only memory unsupported")                                         \
    X(RegionSizeUnaligned, "region.size-unaligned", EINVAL, "kvm_set_memory_region: memory_size & (PAGE_SIZE - 1)", \
      "size not a multiple of the page size")                                                                \
    X(RegionGpaUnaligned, "region.gpa-unaligned", EINVAL, "kvm_set_memory_region: guest_phys_addr & (PAGE_SIZE - 1)", \
      "gpa not page aligned")                                                                                \
    X(RegionUaddrUnaligned, "region.uaddr-unaligned", EINVAL,                                                \
      "kvm_set_memory_region: userspace_addr & (PAGE_SIZE - 1) / untagged_addr", "uaddr not page aligned")   \
    X(RegionUaddrRange, "region.uaddr-range", EINVAL, "kvm_set_memory_region: !access_ok(uaddr, size)",       \
      "uaddr range not below TASK_SIZE_MAX")                                                                 \
    X(RegionGmemOffsetUnaligned, "region.gmem-offset-unaligned", EINVAL,                                     \
      "kvm_set_memory_region: !PAGE_ALIGNED(guest_memfd_offset)", "guest_memfd_offset not page aligned")     \
    X(RegionGmemOffsetWrap, "region.gmem-offset-wrap", EINVAL,                                               \
      "kvm_set_memory_region: guest_memfd_offset + memory_size < guest_memfd_offset", "offset + size wraps") \
    X(RegionAsId, "region.as-id", EINVAL, "kvm_set_memory_region: as_id >= kvm_arch_nr_memslot_as_ids()",     \
      "address space id past KVM_CAP_MULTI_ADDRESS_SPACE")                                                   \
    X(RegionGpaWrap, "region.gpa-wrap", EINVAL, "kvm_set_memory_region: guest_phys_addr + memory_size wraps", \
      "gpa + size wraps (ending exactly at 2^64 counts)")                                                    \
    X(RegionMaxPages, "region.max-pages", EINVAL, "kvm_set_memory_region: npages > KVM_MEM_MAX_NR_PAGES",    \
      "more than 2^31-1 pages")                                                                              \
    X(RegionDeleteMissing, "region.delete-missing", EINVAL, "kvm_set_memory_region: delete of !old",         \
      "size 0 for a slot id that does not exist")                                                            \
    X(RegionDelete, "region.delete", 0, "kvm_set_memory_region -> kvm_delete_memslot", "slot deleted")       \
    X(RegionGmemImmutable, "region.gmem-immutable", EINVAL,                                                  \
      "kvm_set_memory_region: change with KVM_MEM_GUEST_MEMFD (private memslots are immutable)",             \
      "modifying an existing slot with GUEST_MEMFD in the request")                                          \
    X(RegionModifyImmutable, "region.modify-immutable", EINVAL,                                              \
      "kvm_set_memory_region: uaddr, npages, READONLY or GUEST_MEMFD changed", "changing a fixed slot property") \
    X(RegionMove, "region.move", 0, "kvm_set_memory_region: KVM_MR_MOVE", "slot moved")                      \
    X(RegionFlagsOnly, "region.flags-only", 0, "kvm_set_memory_region: KVM_MR_FLAGS_ONLY", "slot flags changed") \
    X(RegionNoop, "region.noop", 0, "kvm_set_memory_region: identical request", "nothing to do")             \
    X(RegionGpaOverlap, "region.gpa-overlap", EEXIST, "kvm_check_memslot_overlap",                           \
      "gfn range overlaps another slot of the address space")                                                \
    X(BindBadFd, "gmem.bind-bad-fd", EBADF, "kvm_gmem_bind: fget() fails", "guest_memfd fd not open")        \
    X(BindNotGmem, "gmem.bind-not-gmem", EINVAL, "kvm_gmem_bind: file->f_op != &kvm_gmem_fops",              \
      "the fd is not a guest_memfd")                                                                         \
    X(BindOtherVm, "gmem.bind-other-vm", EINVAL, "kvm_gmem_bind: gmem->kvm != kvm",                          \
      "the guest_memfd belongs to another VM")                                                               \
    X(BindOffsetNegative, "gmem.bind-offset-negative", EINVAL, "kvm_gmem_bind: offset < 0 (loff_t, before 7.2)", \
      "guest_memfd_offset with bit 63 set")                                                                  \
    X(BindRange, "gmem.bind-range", EINVAL, "kvm_gmem_bind: offset + size > i_size_read(inode)",             \
      "the binding reaches past the end of the file")                                                        \
    X(BindOverlap, "gmem.bind-overlap", EINVAL,                                                              \
      "kvm_gmem_bind: xa_find(&gmem->bindings, start, end - 1) (EEXIST from 7.2: binding-overlap-eexist)",   \
      "file offsets already bound to another slot")                                                          \
    X(RegionMaxGfn, "region.max-gfn", EINVAL, "kvm_arch_prepare_memory_region: last gfn > kvm_mmu_max_gfn()", \
      "slot ends beyond the largest guest frame the MMU maps")                                               \
    X(RegionCreate, "region.create", 0, "kvm_set_memory_region: KVM_MR_CREATE", "slot created")              \
    X(FallocRange, "falloc.range", EINVAL, "vfs_fallocate: offset < 0 || len <= 0", "negative offset or length") \
    X(FallocMode, "falloc.mode", EOPNOTSUPP, "vfs_fallocate: mode checks", "invalid fallocate mode combination") \
    X(FallocEfbig, "falloc.efbig", EFBIG, "vfs_fallocate: offset + len > s_maxbytes or wraps",               \
      "range past the largest file size")                                                                    \
    X(GmemFallocKeepSize, "gmem.falloc-keep-size", EOPNOTSUPP, "kvm_gmem_fallocate: !(mode & KEEP_SIZE)",    \
      "guest_memfd fallocate without FALLOC_FL_KEEP_SIZE")                                                   \
    X(GmemFallocMode, "gmem.falloc-mode", EOPNOTSUPP, "kvm_gmem_fallocate: mode & ~(KEEP_SIZE|PUNCH_HOLE)",  \
      "guest_memfd supports only allocate and punch-hole")                                                   \
    X(GmemFallocUnaligned, "gmem.falloc-unaligned", EINVAL, "kvm_gmem_fallocate: !PAGE_ALIGNED(offset/len)", \
      "unaligned guest_memfd fallocate")                                                                     \
    X(GmemAllocRange, "gmem.falloc-alloc-range", EINVAL, "kvm_gmem_allocate: offset + len > i_size",         \
      "allocate past the end of the file")                                                                   \
    X(GmemPunch, "gmem.punch", 0, "kvm_gmem_punch_hole: invalidate bindings, truncate pages",                \
      "punched pages read as zero; every bound gfn in the range is invalidated")                             \
    X(GmemAlloc, "gmem.alloc", 0, "kvm_gmem_allocate", "pages allocated, contents kept")                     \
    X(MemfdFallocMode, "memfd.falloc-mode", EOPNOTSUPP, "shmem_fallocate: mode & ~(KEEP_SIZE|PUNCH_HOLE)",   \
      "shmem supports only allocate and punch-hole")                                                         \
    X(MemfdPunch, "memfd.punch", 0, "shmem_fallocate -> shmem_truncate_range", "punched bytes read as zero") \
    X(MemfdAlloc, "memfd.alloc", 0, "shmem_fallocate", "allocated; without KEEP_SIZE the file grows")         \
    X(CloseFd, "close.close", 0, "close_fd", "fd closed; a guest_memfd is released once no fd or mapping holds it") \
    X(HostUnmapped, "host.unmapped", 0, "page fault on an address with no mapping", "SIGSEGV")              \
    X(HostReadonly, "host.readonly-write", 0, "write fault on a PROT_READ mapping", "SIGSEGV")              \
    X(HostBeyondEof, "host.beyond-eof", 0, "shmem_fault / kvm_gmem_fault_user_mapping: index >= size",        \
      "SIGBUS")                                                                                              \
    X(HostGmemPrivate, "host.gmem-not-shared", 0,                                                            \
      "kvm_gmem_fault_user_mapping: file without GUEST_MEMFD_FLAG_INIT_SHARED", "SIGBUS")                    \
    X(HostAccess, "host.access", 0, "the mapping's file page", "host reads and writes the backing page")     \
    X(GuestNoProbe, "guest.no-probe", 0, "harness: the probe's memslot was deleted or made private", "noprobe") \
    X(GuestNoSlot, "guest.no-slot", 0, "kvm_mmu_faultin_pfn: no memslot -> emulated MMIO", "KVM_EXIT_MMIO") \
    X(GuestGmemReleased, "guest.gmem-released", 0,                                                           \
      "kvm_gmem_get_pfn: file released -> kvm_mmu_prepare_memory_fault_exit", "KVM_RUN EFAULT + MEMORY_FAULT") \
    X(GuestGmemFile, "guest.gmem-file", 0, "kvm_mmu_faultin_pfn_gmem (GMEM_ONLY slot)",                      \
      "the guest reads and writes the guest_memfd page")                                                     \
    X(GuestHva, "guest.hva", 0, "__kvm_mmu_faultin_pfn -> hva_to_pfn", "the guest reads and writes host memory at uaddr") \
    X(GuestHvaFault, "guest.hva-fault", 0, "hva_to_pfn fails (no mapping, beyond EOF, not writable, SIGBUS)", \
      "KVM_RUN EFAULT, exit reason 0")                                                                       \
    X(GuestReadonlyWrite, "guest.readonly-write", 0, "READONLY memslot write -> emulated MMIO",                \
      "KVM_EXIT_MMIO write, memory unchanged")                                                               \
    X(GuestPrivateNoSlot, "guest.private-no-slot", 0, "kvm_handle_noslot_fault: fault->is_private",          \
      "private gfn without a memslot: KVM_RUN EFAULT + MEMORY_FAULT (flags PRIVATE)")                        \
    X(GuestPrivateNotGmem, "guest.private-not-gmem", 0,                                                      \
      "kvm_faultin_pfn_private: !kvm_slot_can_be_private(slot)",                                             \
      "private gfn in a slot without guest_memfd: KVM_RUN EFAULT + MEMORY_FAULT (flags PRIVATE)")            \
    X(GuestPrivateCachedMmio, "guest.private-cached-mmio", 0,                                                \
      "handle_mmio_page_fault: reserved faults are shared; kvm_vm_set_mem_attributes zaps only memslot gfns",  \
      "private gfn without a memslot whose MMIO SPTE is cached: KVM_EXIT_MMIO (mmio-cache-ignores-attributes)") \
    X(GuestPrivateStaleMmio, "guest.private-stale-mmio", 0,                                                  \
      "kvm_mmu_page_fault: stale MMIO SPTE -> shared fault; kvm_faultin_pfn: is_private != attribute",        \
      "private gfn with a stale MMIO SPTE: KVM_RUN EFAULT + MEMORY_FAULT without PRIVATE (F6)")              \
    X(GuestPrivateFile, "guest.private-file", 0, "kvm_faultin_pfn_private -> kvm_gmem_get_pfn",               \
      "a private gfn reads and writes the bound guest_memfd page, never userspace_addr")                    \
    X(AttrsUnsupported, "attrs.unsupported", ENOTTY, "kvm_vm_ioctl: no KVM_SET_MEMORY_ATTRIBUTES",           \
      "the kernel has no memory attributes")                                                                 \
    X(AttrsFlags, "attrs.flags", EINVAL, "kvm_vm_ioctl_set_mem_attributes: flags != 0", "non-zero flags")    \
    X(AttrsUnknown, "attrs.attributes", EINVAL, "kvm_vm_ioctl_set_mem_attributes: attributes & ~supported",  \
      "attribute not supported for this VM type")                                                            \
    X(AttrsRange, "attrs.range", EINVAL, "kvm_vm_ioctl_set_mem_attributes: size == 0 || address + size wraps", \
      "empty or wrapping range")                                                                             \
    X(AttrsUnaligned, "attrs.unaligned", EINVAL, "kvm_vm_ioctl_set_mem_attributes: !PAGE_ALIGNED",          \
      "unaligned address or size")                                                                           \
    X(AttrsSet, "attrs.set", 0, "kvm_vm_set_mem_attributes",                                                 \
      "the range's gfns become private or shared, with or without a memslot; no memory changes")

enum class RuleId : uint16_t {
#define SLOTCHECK_RULE_ENUM(id, name, err, source, summary) id,
    SLOTCHECK_RULES(SLOTCHECK_RULE_ENUM)
#undef SLOTCHECK_RULE_ENUM
        Count
};

struct Rule {
    RuleId id;
    const char* name;
    int err;  // errno the rule yields; 0 for a success or effect rule
    const char* source;
    const char* summary;
};

const std::vector<Rule>& rule_table();
const Rule& rule(RuleId id);
std::optional<RuleId> rule_by_name(const std::string& name);
inline constexpr size_t kRuleCount = static_cast<size_t>(RuleId::Count);

}  // namespace slotcheck
