// The reference model: the state of a KVM world (VMs, memslots, guest_memfd
// files, memfds, host mappings) and apply(), which predicts what userspace
// sees for each operation and cites the rule that decided it. Pure C++: no
// syscalls. docs/model.md explains the state and every assumption.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/gfn_ranges.h"
#include "model/profile.h"
#include "model/vm_type.h"
#include "seq/executor.h"
#include "seq/kvm_flags.h"
#include "seq/layout.h"
#include "seq/rules.h"

namespace slotcheck {

inline constexpr uint64_t kMaxPagesPerSlot = (1ull << 31) - 1;  // KVM_MEM_MAX_NR_PAGES

struct Decision {
    Outcome outcome;
    RuleId rule = RuleId::Count;  // the rule that decided the outcome
};

// A file's contents: pages that were never written read as zero.
class PageStore {
public:
    using Page = std::array<uint8_t, kPageSize>;
    uint64_t read(uint64_t byte_offset, uint8_t width) const;
    void write(uint64_t byte_offset, uint8_t width, uint64_t value);
    void zero_bytes(uint64_t begin, uint64_t end);  // [begin, end)
    uint64_t digest(uint64_t page_index) const;
    bool has_page(uint64_t page_index) const { return pages_.count(page_index) != 0; }
    // Zeroes [begin, end) within one page; a page zeroed whole is dropped.
    void zero_page_part(uint64_t page_index, uint64_t begin, uint64_t end);
    // Copies one page of `from` (zeros where it has none) into this store.
    void copy_page(const PageStore& from, uint64_t from_index, uint64_t to_index);
    void clear() { pages_.clear(); }
    size_t page_count() const { return pages_.size(); }

private:
    // Hashed, not ordered: reads, writes and one-page punches are the hot
    // path and cost one probe instead of a tree walk (22% more model ops/s
    // at 32k slots, docs/performance.md); a punch wider than the number of
    // stored pages scans the store instead of the range.
    std::unordered_map<uint64_t, std::unique_ptr<Page>> pages_;
};

// A memfd, a guest_memfd, or the shmem object behind an anonymous shared
// mapping.
struct FileObject {
    enum class Kind : uint8_t { Memfd, Gmem, Anonymous };
    Kind kind = Kind::Memfd;
    uint64_t size = 0;
    PageStore pages;
    bool fd_open = true;  // Anonymous objects have no fd
    uint32_t mappings = 0;
    // guest_memfd only
    uint32_t vm = 0;  // owning VM handle index
    uint64_t gmem_flags = 0;
    bool released = false;
    struct Binding {
        uint64_t npages;
        uint32_t as_id;
        uint32_t slot_id;
    };
    std::map<uint64_t, Binding> bindings;  // first page offset -> binding (disjoint)
};

struct Slot {
    uint32_t id = 0;
    uint32_t as_id = 0;
    uint64_t base_gfn = 0;
    uint64_t npages = 0;
    uint64_t uaddr = 0;
    uint32_t flags = 0;
    bool harness = false;
    // guest_memfd slots
    bool gmem = false;
    uint32_t gmem_object = 0;
    uint64_t pgoff = 0;
    bool gmem_only = false;   // bound to a file with GUEST_MEMFD_FLAG_MMAP (6.18+)
    bool file_bound = false;  // false once the file is released
    uint64_t end_gfn() const { return base_gfn + npages; }
};

struct AddressSpace {
    std::map<uint32_t, Slot> by_id;
    // base gfn -> the slot in by_id (map nodes do not move, so the pointer
    // stays valid until the slot is erased); ranges are disjoint.
    std::map<uint64_t, const Slot*> by_gfn;
    // The slot containing gfn, if any: O(log n).
    const Slot* find_gfn(uint64_t gfn) const;
    // Another slot (not `except_id`) overlapping [gfn, end): O(log n).
    const Slot* find_overlap(uint64_t gfn, uint64_t end, std::optional<uint32_t> except_id) const;
    void insert(const Slot& s);
    void erase(uint32_t id);
};

struct VmState {
    uint64_t type = 0;
    VmTypeTraits traits;
    bool fd_open = true;
    // The harness slot is intact and none of its pages was made private, so
    // the probe vCPU can run.
    bool probe = true;
    std::vector<AddressSpace> address_spaces;
    GfnRangeSet private_gfns;  // the PRIVATE memory attribute (KVM_SET_MEMORY_ATTRIBUTES)
    // Kernel memory (model/kernel_memory.h): what this VM's slots and
    // attributes hold, until the VM is destroyed: its fd closed and every
    // guest_memfd file of it released (each holds a reference on the VM).
    uint64_t kernel_memory = 0;
    uint32_t live_gmem_files = 0;
    bool destroyed = false;
    // Whether a guest access to `gfn` is private (SW_PROTECTED: the attribute).
    bool private_access(uint64_t gfn) const { return traits.attributes_decide_private && private_gfns.contains(gfn); }
    // Cached MMIO SPTEs (VMs whose attributes decide private accesses only):
    // gfns whose last shared access was an MMIO exit, since the last memslot
    // change (current) or before it (stale: the memslot generation moved on,
    // and only a later shared access replaces them). Attribute changes zap
    // neither (docs/findings.md F6).
    GfnRangeSet mmio_current, mmio_stale;
    // Every memslot change moves the memslot generation on.
    void memslots_changed() {
        for (const auto& [b, e] : mmio_current.ranges()) mmio_stale.assign(b, e, true);
        mmio_current = {};
    }
};

struct MappingState {
    uint32_t object = 0;
    uint64_t file_offset = 0;
    uint64_t size = 0;  // rounded up to pages
    bool writable = true;
    bool alive = true;
};

// A gfn range a punch-hole invalidated: [first, end) in address space as_id.
struct InvalidatedRange {
    uint32_t as_id;
    uint64_t first_gfn;
    uint64_t end_gfn;
    friend bool operator==(const InvalidatedRange&, const InvalidatedRange&) = default;
    friend auto operator<=>(const InvalidatedRange&, const InvalidatedRange&) = default;
};

class World : public Executor {
public:
    explicit World(Profile profile);

    Outcome apply(const Op& op) override { return step(op).outcome; }
    Decision step(const Op& op);
    std::vector<Observation> observe(const std::vector<ObservationRequest>& requests) override;

    // The pages a `check` looks at: for every VM with a probe, the first
    // pages, the last page and both neighbours of each slot of address space
    // 0; for every live mapping, its first pages and its last page.
    std::vector<ObservationRequest> observation_plan() const;

    // Violated invariants, in words; empty when all hold.
    std::vector<std::string> check_invariants() const;

    // Test-only switch for mutation testing: the named rule makes the
    // mistake model/mutation.h describes for it (a rejection never fires, an
    // effect does not happen, an outcome is reported wrong).
    void set_mutant(std::optional<RuleId> rule) { mutant_ = rule; }

    const Profile& profile() const { return profile_; }
    const std::map<uint32_t, VmState>& vms() const { return vms_; }
    const std::vector<FileObject>& objects() const { return objects_; }
    // Handle -> object index for guest_memfd and memfd handles.
    std::optional<uint32_t> object_of(const Handle& h) const;
    const std::map<uint32_t, MappingState>& mappings() const { return mappings_; }
    // The gfn ranges invalidated by the last guest_memfd punch-hole.
    const std::vector<InvalidatedRange>& last_invalidation() const { return last_invalidation_; }
    // The numeric value of a host address, as the harness lays mappings out.
    static uint64_t address_value(const HostAddr& a);

    // The kernel memory the live objects hold (the running total of
    // model/kernel_memory.h's facts over every VM not yet destroyed), and
    // the most the last step held at once (a MOVE holds the old and the new
    // metadata; a failing create may allocate and free a dirty bitmap).
    uint64_t kernel_memory() const { return kernel_memory_; }
    uint64_t last_step_peak() const { return step_peak_; }

    // How often each rule's check was evaluated and did not fire: with the
    // decisions (Decision::rule) this says whether a rule was exercised
    // both ways.
    const std::array<uint64_t, kRuleCount>& rule_passes() const { return passes_; }

private:
    bool on(RuleId r) const { return mutant_ != r; }
    // Evaluates one rejection rule: counts a pass when `condition` is false;
    // a disabled (mutant) rule never fires.
    bool fires(RuleId r, bool condition) const {
        if (!condition) ++passes_[static_cast<size_t>(r)];
        return condition && (on(r) || !mutant_never_fires());
    }
    bool mutant_never_fires() const;
    Decision decide(RuleId r) const;                  // the rule's errno, or Ok for success rules
    Decision decide(RuleId r, Outcome outcome) const;  // an explicit outcome

    Decision create_vm(const CreateVm& op);
    Decision create_gmem(const CreateGmem& op);
    Decision create_memfd(const CreateMemfd& op);
    Decision mmap(const Mmap& op);
    Decision munmap(const Munmap& op);
    Decision set_region(const SetRegion& op);
    Decision fallocate(const Fallocate& op);
    Decision close(const Close& op);
    Decision host_access(const HostAddr& addr, uint8_t width, std::optional<uint64_t> write_value);
    Decision guest_access(const Handle& vm, uint64_t gpa, std::optional<uint64_t> write_value);
    Decision set_attributes(const SetAttributes& op);

    // Region helpers (model/world_region.cpp).
    std::optional<Decision> bind_checks(const SetRegion& op, VmState& vm, uint32_t vm_index, bool overlap_part,
                                        uint32_t& object_out);
    void unbind(Slot& slot);
    void release_gmem(uint32_t object);
    void maybe_release(uint32_t object);

    // Where a guest page's bytes come from.
    struct GuestTarget {
        Decision failure;  // set when the access does not reach memory
        bool ok = false;
        bool gmem_file = false;       // reached through guest_memfd, not userspace_addr
        bool private_access = false;  // a private gfn (guest.private-file)
        uint32_t object = 0;
        uint64_t byte_offset = 0;  // of the accessed page start in the object
    };
    GuestTarget resolve_guest(uint32_t vm_index, uint64_t gpa, bool is_write) const;
    GuestTarget resolve_private(const Slot* s, uint64_t gfn) const;
    void note_guest_access(uint32_t vm_index, uint64_t gpa, const GuestTarget& t);
    struct HostTarget {
        Decision failure;
        bool ok = false;
        uint32_t object = 0;
        uint64_t byte_offset = 0;  // of the accessed page start in the object
        uint32_t mapping = 0;
        uint64_t mapping_page = 0;  // page index of the access in the mapping
    };
    // The store a host access through `t` reads: the file's pages, or under
    // the HostAccess mutant the mapping's private copy where it has one.
    const PageStore& host_pages(const HostTarget& t, uint64_t& byte_offset) const;
    HostTarget resolve_host(uint64_t address, bool is_write) const;

    // Kernel memory accounting (model/world_memory.cpp): what a step needs
    // to know before it runs, and the charges after.
    struct MemoryBefore {
        std::optional<Slot> slot;      // SetRegion: the slot the request names
        uint64_t private_in_range = 0;  // SetAttributes: gfns of the range already private
        uint64_t attribute_bytes = 0;   // SetAttributes: the VM's attribute xarray
    };
    MemoryBefore memory_before(const Op& op) const;
    void account_memory(const Op& op, const MemoryBefore& before, const Decision& d);
    void charge(VmState& v, int64_t bytes);
    void destroy_if_unreferenced(uint32_t vm_index);

    VmState* vm(const Handle& h, uint32_t& index);
    uint32_t new_object(FileObject::Kind kind, uint64_t size);

    Profile profile_;
    std::optional<RuleId> mutant_;
    std::map<uint32_t, VmState> vms_;             // by handle index, successful creations only
    std::map<Handle, uint32_t> file_handles_;     // g/f handle -> object index
    std::vector<FileObject> objects_;
    std::map<uint32_t, MappingState> mappings_;        // by mapping handle index, successful ones only
    std::vector<InvalidatedRange> last_invalidation_;
    std::map<uint32_t, PageStore> private_copies_;  // HostAccess mutant only: per-mapping pages
    mutable std::array<uint64_t, kRuleCount> passes_{};
    uint64_t kernel_memory_ = 0, step_peak_ = 0;
};

}  // namespace slotcheck
