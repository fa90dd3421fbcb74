// The executable invariants (docs/model.md): gfn ranges disjoint per address
// space, guest_memfd offset ranges disjoint per file, the map
// (as, gfn) <-> (file, offset) one to one, every binding pointing at a live
// slot that points back. They are what the prover proves of the designs,
// checked here on concrete states after every step.
#include "model/world.h"
#include "seq/text_scan.h"

namespace slotcheck {

std::vector<std::string> World::check_invariants() const {
    std::vector<std::string> problems;
    for (const auto& [vm_index, v] : vms_) {
        for (uint32_t as_id = 0; as_id < v.address_spaces.size(); ++as_id) {
            const AddressSpace& space = v.address_spaces[as_id];
            // Built only for a problem: this runs after every replayed step.
            auto where = [&, vm = vm_index] { return "v" + std::to_string(vm) + " as " + std::to_string(as_id); };
            if (space.by_gfn.size() != space.by_id.size())
                problems.push_back(where() + ": gfn index has " + std::to_string(space.by_gfn.size()) +
                                   " entries for " + std::to_string(space.by_id.size()) + " slots");
            // gfn-disjoint: walking slots in gfn order, each starts at or
            // after the end of the previous one.
            const Slot* prev = nullptr;
            for (const auto& [base, slot] : space.by_gfn) {
                auto it = space.by_id.find(slot->id);
                if (it == space.by_id.end() || &it->second != slot || slot->base_gfn != base) {
                    problems.push_back(where() + ": gfn index entry " + hex(base) + " does not match slot " +
                                       std::to_string(slot->id));
                    continue;
                }
                const Slot& s = it->second;
                if (prev && prev->end_gfn() > s.base_gfn)
                    problems.push_back(where() + ": slots " + std::to_string(prev->id) + " and " + std::to_string(s.id) +
                                       " overlap at gfn " + hex(s.base_gfn));
                prev = &s;
                // Every bound slot has exactly its binding in its file.
                if (s.gmem && s.file_bound) {
                    const FileObject& f = objects_[s.gmem_object];
                    auto b = f.bindings.find(s.pgoff);
                    if (b == f.bindings.end() || b->second.slot_id != s.id || b->second.as_id != as_id ||
                        b->second.npages != s.npages)
                        problems.push_back(where() + ": slot " + std::to_string(s.id) + " is bound to file offset " +
                                           hex(s.pgoff << kPageShift) + " but the file has no such binding");
                }
            }
        }
    }
    for (uint32_t obj = 0; obj < objects_.size(); ++obj) {
        const FileObject& f = objects_[obj];
        if (f.kind != FileObject::Kind::Gmem) continue;
        auto where = [&] { return "guest_memfd object " + std::to_string(obj); };
        if (f.released && !f.bindings.empty()) problems.push_back(where() + ": released file still has bindings");
        uint64_t prev_end = 0;
        bool first = true;
        for (const auto& [pgoff, b] : f.bindings) {
            // offset-disjoint
            if (!first && pgoff < prev_end)
                problems.push_back(where() + ": bindings overlap at page offset " + hex(pgoff));
            first = false;
            prev_end = pgoff + b.npages;
            // no-dangling-binding, and the binding and the slot agree (1:1)
            auto vit = vms_.find(f.vm);
            const Slot* s = nullptr;
            if (vit != vms_.end() && b.as_id < vit->second.address_spaces.size()) {
                auto sit = vit->second.address_spaces[b.as_id].by_id.find(b.slot_id);
                if (sit != vit->second.address_spaces[b.as_id].by_id.end()) s = &sit->second;
            }
            if (!s || !s->gmem || !s->file_bound || s->gmem_object != obj || s->pgoff != pgoff ||
                s->npages != b.npages)
                problems.push_back(where() + ": binding at page offset " + hex(pgoff) + " names slot " +
                                   std::to_string(b.slot_id) + " which does not bind it back");
        }
    }
    return problems;
}

}  // namespace slotcheck
