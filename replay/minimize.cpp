#include "replay/minimize.h"

#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <unordered_set>

#include "seq/layout.h"
#include "seq/op_handles.h"
#include "seq/op_table.h"

namespace slotcheck {

Sequence without_expectations(const Sequence& seq) {
    Sequence out;
    out.steps.reserve(seq.steps.size());
    for (const auto& s : seq.steps) {
        Step step;
        step.op = s.op;
        step.line = s.line;
        out.steps.push_back(std::move(step));
    }
    return out;
}

namespace {

// Rewrites the references of a region to vanished handles into the values
// a missing resource stands for on the kernel side.
void repair_references(Op& op, const std::set<Handle>& gone) {
    auto* region = std::get_if<SetRegion>(&op);
    if (!region) return;
    if (region->uaddr.symbolic && gone.count(region->uaddr.mapping)) region->uaddr = HostAddr{};
    if (region->gmem.kind == FdRef::Kind::Handle && gone.count(region->gmem.handle)) region->gmem = FdRef{};
}

bool names_any(const Op& op, const std::set<Handle>& gone) {
    for (const auto& h : used_handles(op))
        if (gone.count(h)) return true;
    return false;
}

}  // namespace

Sequence without_steps(const Sequence& seq, size_t begin, size_t end, HandleRepair how) {
    Sequence out;
    out.header_comments = seq.header_comments;
    std::set<Handle> gone;
    auto vanish = [&](const Op& op) {
        if (auto h = created_handle(op)) gone.insert(*h);
    };
    for (size_t i = 0; i < seq.steps.size(); ++i) {
        const Step& step = seq.steps[i];
        if (i >= begin && i < end) {
            vanish(step.op);
            continue;
        }
        if (!names_any(step.op, gone)) {
            out.steps.push_back(step);
            continue;
        }
        Step repaired = step;
        if (how == HandleRepair::Repair) repair_references(repaired.op, gone);
        if (names_any(repaired.op, gone)) {
            vanish(step.op);
            continue;
        }
        out.steps.push_back(std::move(repaired));
    }
    return out;
}

std::vector<uint64_t> simpler_values(uint64_t v) {
    if (v == 0) return {};
    std::set<uint64_t> round = {0, 1, uint64_t{1} << (63 - std::countl_zero(v))};
    if (v % 2 == 0) round.insert(v / 2);  // a path down for values between the round ones
    for (int shift = 12; shift < 64; shift += 4) {
        round.insert(uint64_t{1} << shift);
        round.insert(v & ~((uint64_t{1} << shift) - 1));
    }
    // A page-aligned value stays page aligned: the kernel checks alignment
    // first, so an unaligned stand-in would only show that check.
    const bool aligned = v % kPageSize == 0;
    std::vector<uint64_t> out;
    for (uint64_t c : round)
        if (c < v && (!aligned || c % kPageSize == 0)) out.push_back(c);
    return out;  // ascending: the smallest (simplest) first
}

namespace {

using Meaning = ValueMeaning;

// One value of an op that the simplifier may change.
struct ValueField {
    Meaning meaning;
    uint64_t value = 0;
    std::function<void(Op&, uint64_t)> set;
    bool unmaps = false;  // a region's mapping-relative uaddr, which may also become raw 0
};

// The op's numbers and host addresses, as its form in op_table.cpp lists them.
std::vector<ValueField> value_fields(const Op& op) {
    std::vector<ValueField> out;
    for (const FieldSpec& f : op_form(op).fields) {
        if (f.kind == FieldKind::Number) {
            out.push_back({f.meaning, f.get(op), f.set});
        } else if (f.kind == FieldKind::HostAddress) {
            const HostAddr& a = field_address(f, op);
            auto set = f.address;
            out.push_back({Meaning::HostAddress, a.value, [set](Op& o, uint64_t v) { set(o).value = v; },
                           f.may_unmap && a.symbolic});
        }
    }
    return out;
}

}  // namespace

std::vector<std::vector<Op>> value_simplifications(const Op& op) {
    std::vector<std::vector<Op>> out;
    for (const auto& f : value_fields(op)) {
        std::vector<Op> ops;
        if (f.unmaps) {
            Op unmapped = op;
            std::get<SetRegion>(unmapped).uaddr = HostAddr{};
            ops.push_back(std::move(unmapped));
        }
        for (uint64_t c : simpler_values(f.value)) {
            Op simpler = op;
            f.set(simpler, c);
            ops.push_back(std::move(simpler));
        }
        out.push_back(std::move(ops));
    }
    return out;
}

namespace {

// A value several fields of one meaning share.
struct SharedValue {
    Meaning meaning;
    uint64_t value;
};

// The non-zero values that more than one field of the same meaning holds.
std::vector<SharedValue> shared_values(const Sequence& seq) {
    std::map<std::pair<Meaning, uint64_t>, size_t> uses;
    for (const auto& step : seq.steps)
        for (const auto& f : value_fields(step.op)) uses[{f.meaning, f.value}]++;
    std::vector<SharedValue> out;
    for (const auto& [key, count] : uses)
        if (key.second != 0 && count > 1) out.push_back({key.first, key.second});
    return out;
}

// `seq` with every value of `meaning` at or above `from` lowered by
// `from - to`: the whole layout of gpas (or file offsets) slides down
// together, keeping the distances between slots and the accesses in them.
Sequence with_values_shifted(const Sequence& seq, Meaning meaning, uint64_t from, uint64_t to) {
    Sequence out = seq;
    for (auto& step : out.steps) {
        const Op original = step.op;
        for (const auto& f : value_fields(original))
            if (f.meaning == meaning && f.value >= from) f.set(step.op, f.value - (from - to));
    }
    return out;
}

// The smallest non-zero value of `meaning` in `seq`, when there are at
// least two distinct non-zero values (otherwise shifting is a plain
// simplification).
std::optional<uint64_t> shift_base(const Sequence& seq, Meaning meaning) {
    std::set<uint64_t> values;
    for (const auto& step : seq.steps)
        for (const auto& f : value_fields(step.op))
            if (f.meaning == meaning && f.value != 0) values.insert(f.value);
    if (values.size() < 2) return std::nullopt;
    return *values.begin();
}

Sequence with_value_replaced(const Sequence& seq, const SharedValue& from, uint64_t to) {
    Sequence out = seq;
    for (auto& step : out.steps) {
        const Op original = step.op;
        for (const auto& f : value_fields(original))
            if (f.meaning == from.meaning && f.value == from.value) f.set(step.op, to);
    }
    return out;
}

}  // namespace

Sequence with_renumbered_handles(const Sequence& seq) {
    std::map<Handle, Handle> renamed;
    uint32_t next[4] = {0, 0, 0, 0};
    for (const auto& step : seq.steps)
        if (auto h = created_handle(step.op))
            renamed[*h] = Handle{h->kind, next[static_cast<int>(h->kind)]++};
    Sequence out = seq;
    for (auto& step : out.steps)
        rename_handles(step.op, [&](Handle& h) {
            if (auto it = renamed.find(h); it != renamed.end()) h = it->second;
        });
    return out;
}

namespace {

class Minimizer {
public:
    Minimizer(const FailurePredicate& still_fails, const MinimizeOptions& options)
        : still_fails_(still_fails), options_(options) {}

    MinimizeResult run(const Sequence& failing) {
        current_ = without_expectations(failing);
        MinimizeResult result;
        result.original_length = current_.steps.size();
        // Each round removes, simplifies and renumbers; a round that changes
        // nothing has tried every single removal and every single
        // simplification of the result, which makes it 1-minimal.
        bool changed = true;
        while (changed && !exhausted_) {
            changed = remove_chunks();
            changed = simplify_values() || changed;
            changed = simplify_shared_values() || changed;
            changed = shift_layouts() || changed;
            changed = renumber_handles() || changed;
        }
        result.sequence = current_;
        // The steps' lines pointed into the input; the result is a new text.
        for (auto& step : result.sequence.steps) step.line = 0;
        result.candidates = candidates_;
        result.one_minimal = !exhausted_;
        return result;
    }

private:
    // Judges a candidate and adopts it when it still fails. Invalid and
    // already rejected candidates are not judged.
    bool try_candidate(const Sequence& candidate) {
        if (exhausted_ || validate_handles(candidate, "candidate")) return false;
        const size_t key = std::hash<std::string>{}(print(candidate));
        if (rejected_.count(key)) return false;
        if ((options_.max_candidates && candidates_ >= options_.max_candidates) ||
            (options_.deadline && std::chrono::steady_clock::now() >= *options_.deadline) ||
            (options_.stop && options_.stop())) {
            exhausted_ = true;
            return false;
        }
        ++candidates_;
        const bool fails = still_fails_(candidate);
        if (fails) current_ = candidate;
        else rejected_.insert(key);
        if (options_.progress) options_.progress({candidates_, current_.steps.size(), phase_});
        return fails;
    }

    bool try_removal(size_t begin, size_t end) {
        Sequence dropped = without_steps(current_, begin, end, HandleRepair::Drop);
        if (try_candidate(dropped)) return true;
        Sequence repaired = without_steps(current_, begin, end, HandleRepair::Repair);
        return repaired.steps.size() != dropped.steps.size() && try_candidate(repaired);
    }

    // Removes chunks of halving size, from the end backwards: the steps
    // after the failure go first, and creations go after their uses.
    bool remove_chunks() {
        bool changed = false;
        for (size_t chunk = std::max<size_t>(1, current_.steps.size() / 2); chunk >= 1 && !exhausted_; chunk /= 2) {
            phase_ = "removing " + std::to_string(chunk) + "-step chunks";
            size_t end = current_.steps.size();
            while (end > 0 && !exhausted_) {
                const size_t begin = end > chunk ? end - chunk : 0;
                changed = try_removal(begin, end) || changed;
                end = begin;
            }
        }
        return changed;
    }

    bool simplify_values() {
        phase_ = "simplifying values";
        bool changed = false;
        for (size_t i = 0; i < current_.steps.size() && !exhausted_; ++i) {
            const size_t fields = value_simplifications(current_.steps[i].op).size();
            for (size_t f = 0; f < fields && !exhausted_; ++f) {
                // Values only shrink, so retrying from the new value ends.
                bool simplified = true;
                while (simplified && !exhausted_) {
                    simplified = false;
                    // Hold the candidates: a range-for over a member of a
                    // temporary would dangle. A field may vanish once the op
                    // is simpler (a raw uaddr has no mapping offset).
                    const auto options = value_simplifications(current_.steps[i].op);
                    if (f >= options.size()) break;
                    for (const Op& op : options[f]) {
                        Sequence candidate = current_;
                        candidate.steps[i].op = op;
                        if (try_candidate(candidate)) {
                            simplified = changed = true;
                            break;
                        }
                    }
                }
            }
        }
        return changed;
    }

    // A value that several fields of one meaning share (the file offset two
    // bindings need to overlap, the gpa of a slot and of a read of it) moves
    // everywhere at once.
    bool simplify_shared_values() {
        phase_ = "simplifying shared values";
        bool changed = false;
        for (const SharedValue& shared : shared_values(current_)) {
            for (uint64_t c : simpler_values(shared.value)) {
                if (exhausted_) return changed;
                if (try_candidate(with_value_replaced(current_, shared, c))) {
                    changed = true;
                    break;
                }
            }
        }
        return changed;
    }

    // Slides all gpas (or all file offsets) down at once: a slot and the
    // accesses inside it move together toward 0.
    bool shift_layouts() {
        phase_ = "shifting gpas and offsets";
        bool changed = false;
        for (Meaning meaning : {Meaning::Gpa, Meaning::Offset}) {
            auto base = shift_base(current_, meaning);
            if (!base) continue;
            for (uint64_t c : simpler_values(*base)) {
                if (exhausted_) return changed;
                if (try_candidate(with_values_shifted(current_, meaning, *base, c))) {
                    changed = true;
                    break;
                }
            }
        }
        return changed;
    }

    bool renumber_handles() {
        phase_ = "renumbering handles";
        Sequence renumbered = with_renumbered_handles(current_);
        return renumbered.steps != current_.steps && try_candidate(renumbered);
    }

    const FailurePredicate& still_fails_;
    const MinimizeOptions& options_;
    Sequence current_;
    size_t candidates_ = 0;
    bool exhausted_ = false;
    std::string phase_;
    std::unordered_set<size_t> rejected_;  // hashes of printed candidates that did not fail
};

}  // namespace

MinimizeResult minimize(const Sequence& failing, const FailurePredicate& still_fails, const MinimizeOptions& options) {
    return Minimizer(still_fails, options).run(failing);
}

}  // namespace slotcheck
