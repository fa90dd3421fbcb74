#include "seq/op_table.h"

#include <array>
#include <limits>

namespace slotcheck {

namespace {

// The struct and the type of a member pointer.
template <class C, class T>
C class_of(T C::*);
template <class C, class T>
T type_of(T C::*);
template <auto M>
using ClassOf = decltype(class_of(M));
template <auto M>
using TypeOf = decltype(type_of(M));

template <auto M>
auto& member(Op& op) {
    return std::get<ClassOf<M>>(op).*M;
}
template <auto M>
uint64_t get_number(const Op& op) {
    return static_cast<uint64_t>(std::get<ClassOf<M>>(op).*M);
}
template <auto M>
void set_number(Op& op, uint64_t v) {
    std::get<ClassOf<M>>(op).*M = static_cast<TypeOf<M>>(v);
}
template <auto M>
uint64_t max_number(const Op&) {
    return std::numeric_limits<TypeOf<M>>::max();
}

template <class T>
bool holds(const Op& op) {
    return std::holds_alternative<T>(op);
}

// A handle the op creates: always its first word.
template <auto M>
FieldSpec creates(const char* what, HandleKind kind) {
    FieldSpec f;
    f.kind = FieldKind::Handle;
    f.what = what;
    f.role = HandleRole::Creates;
    f.handle_kinds = handle_kind_bit(kind);
    f.handle = &member<M>;
    return f;
}

// A handle the op names: a positional word (key nullptr) or a required key.
template <auto M>
FieldSpec uses(const char* key, const char* what, unsigned kinds, const char* what_instead = nullptr) {
    FieldSpec f;
    f.kind = FieldKind::Handle;
    f.key = key;
    f.what = what;
    f.what_instead = what_instead;
    f.required = true;
    f.role = HandleRole::Uses;
    f.handle_kinds = kinds;
    f.handle = &member<M>;
    return f;
}

template <auto M>
FieldSpec number(ValueMeaning meaning) {
    FieldSpec f;
    f.kind = FieldKind::Number;
    f.meaning = meaning;
    f.get = &get_number<M>;
    f.set = &set_number<M>;
    f.max = &max_number<M>;
    return f;
}

// key=NUMBER, required.
template <auto M>
FieldSpec required(const char* key, ValueMeaning meaning) {
    FieldSpec f = number<M>(meaning);
    f.key = key;
    f.required = true;
    return f;
}

// key=NUMBER, `dflt` when not given.
template <auto M>
FieldSpec optional(const char* key, ValueMeaning meaning, uint64_t dflt = 0) {
    FieldSpec f = number<M>(meaning);
    f.key = key;
    f.dflt = dflt;
    return f;
}

// A positional number.
template <auto M>
FieldSpec word(const char* what, ValueMeaning meaning) {
    FieldSpec f = number<M>(meaning);
    f.what = what;
    return f;
}

// A host address: a positional word (key nullptr) or an optional key.
template <auto M>
FieldSpec address(const char* key, const char* what, bool may_unmap) {
    FieldSpec f;
    f.kind = FieldKind::HostAddress;
    f.key = key;
    f.what = what;
    f.role = HandleRole::Uses;
    f.meaning = ValueMeaning::HostAddress;
    f.may_unmap = may_unmap;
    f.address = &member<M>;
    return f;
}

template <auto M>
FieldSpec width() {
    FieldSpec f;
    f.kind = FieldKind::Width;
    f.what = "a width (u8 or u64)";
    f.get = &get_number<M>;
    f.set = &set_number<M>;
    return f;
}

uint64_t written_max(const Op& op) {
    const auto& w = std::get<HostWrite>(op);
    return w.width == 1 ? 0xff : std::numeric_limits<uint64_t>::max();
}

FieldSpec written_value() {
    FieldSpec f = word<&HostWrite::value>("a value", ValueMeaning::Written);
    f.max = &written_max;
    f.too_big = "a u8 value must be below 0x100";
    return f;
}

Mmap& whole_mmap(Op& op) { return std::get<Mmap>(op); }

FieldSpec mmap_source() {
    FieldSpec f;
    f.kind = FieldKind::MmapSource;
    f.what = "a source (anon, gN or fN)";
    f.role = HandleRole::Uses;
    f.handle_kinds = handle_kind_bit(HandleKind::Gmem) | handle_kind_bit(HandleKind::Memfd);
    f.mmap = &whole_mmap;
    return f;
}

FieldSpec mmap_prot() {
    FieldSpec f;
    f.kind = FieldKind::Prot;
    f.key = "prot";
    f.mmap = &whole_mmap;
    return f;
}

FieldSpec region_gmem() {
    FieldSpec f;
    f.kind = FieldKind::Fd;
    f.key = "gmem";
    f.role = HandleRole::Uses;
    f.fd = &member<&SetRegion::gmem>;
    return f;
}

bool region_v1(const Op& op) { return holds<SetRegion>(op) && std::get<SetRegion>(op).version == 1; }
bool region_v2(const Op& op) { return holds<SetRegion>(op) && std::get<SetRegion>(op).version != 1; }

SetRegion region_of_version(int version) {
    SetRegion r;
    r.version = version;
    return r;
}

constexpr unsigned kVm = handle_kind_bit(HandleKind::Vm);
constexpr unsigned kFiles = handle_kind_bit(HandleKind::Gmem) | handle_kind_bit(HandleKind::Memfd);
constexpr unsigned kFds = kVm | kFiles;

std::vector<OpForm> make_forms() {
    using M = ValueMeaning;
    // The fields of both region forms but the guest_memfd's two.
    std::vector<FieldSpec> region = {
        uses<&SetRegion::vm>(nullptr, "a VM handle (v0)", kVm),
        required<&SetRegion::slot>("slot", M::Slot),
        optional<&SetRegion::flags>("flags", M::Flags),
        required<&SetRegion::gpa>("gpa", M::Gpa),
        required<&SetRegion::size>("size", M::Size),
        address<&SetRegion::uaddr>("uaddr", nullptr, true),
    };
    std::vector<FieldSpec> region2 = region;
    region2.push_back(region_gmem());
    region2.push_back(optional<&SetRegion::gmem_offset>("offset", M::Offset));

    return {
        {"vm", CreateVm{}, &holds<CreateVm>,
         {creates<&CreateVm::vm>("a VM handle (v0)", HandleKind::Vm), optional<&CreateVm::type>("type", M::Type)}},
        {"gmem", CreateGmem{}, &holds<CreateGmem>,
         {creates<&CreateGmem::gmem>("a guest_memfd handle (g0)", HandleKind::Gmem),
          uses<&CreateGmem::vm>("vm", nullptr, kVm), required<&CreateGmem::size>("size", M::Size),
          optional<&CreateGmem::flags>("flags", M::Flags)}},
        {"memfd", CreateMemfd{}, &holds<CreateMemfd>,
         {creates<&CreateMemfd::memfd>("a memfd handle (f0)", HandleKind::Memfd),
          required<&CreateMemfd::size>("size", M::Size)}},
        {"mmap", Mmap{}, &holds<Mmap>,
         {creates<&Mmap::mapping>("a mapping handle (m0)", HandleKind::Mapping), mmap_source(),
          optional<&Mmap::offset>("offset", M::Offset), required<&Mmap::size>("size", M::Size), mmap_prot()}},
        {"munmap", Munmap{}, &holds<Munmap>,
         {uses<&Munmap::mapping>(nullptr, "a mapping handle (m0)", handle_kind_bit(HandleKind::Mapping))}},
        {"region", region_of_version(2), &region_v2, region2},
        {"region1", region_of_version(1), &region_v1, region},
        {"fallocate", Fallocate{}, &holds<Fallocate>,
         {uses<&Fallocate::file>(nullptr, "a file handle (gN or fN)", kFiles),
          required<&Fallocate::mode>("mode", M::Mode), required<&Fallocate::offset>("offset", M::Offset),
          required<&Fallocate::len>("len", M::Size)}},
        {"close", Close{}, &holds<Close>,
         {uses<&Close::handle>(nullptr, "a handle (vN, gN or fN)", kFds,
                               "a handle (vN, gN or fN; mappings are removed with munmap)")}},
        {"hwrite", HostWrite{}, &holds<HostWrite>,
         {address<&HostWrite::addr>(nullptr, "a host address (m0+0x0)", false), width<&HostWrite::width>(),
          written_value()}},
        {"hread", HostRead{}, &holds<HostRead>,
         {address<&HostRead::addr>(nullptr, "a host address (m0+0x0)", false), width<&HostRead::width>()}},
        {"gread", GuestRead{}, &holds<GuestRead>,
         {uses<&GuestRead::vm>(nullptr, "a VM handle (v0)", kVm),
          word<&GuestRead::gpa>("a guest physical address", M::Gpa)}},
        {"gwrite", GuestWrite{}, &holds<GuestWrite>,
         {uses<&GuestWrite::vm>(nullptr, "a VM handle (v0)", kVm),
          word<&GuestWrite::gpa>("a guest physical address", M::Gpa),
          word<&GuestWrite::value>("a value", M::Written)}},
        {"attrs", SetAttributes{}, &holds<SetAttributes>,
         {uses<&SetAttributes::vm>(nullptr, "a VM handle (v0)", kVm),
          required<&SetAttributes::address>("gpa", M::Gpa), required<&SetAttributes::size>("size", M::Size),
          required<&SetAttributes::attributes>("attrs", M::Attributes),
          optional<&SetAttributes::flags>("flags", M::Flags)}},
        {"check", Check{}, &holds<Check>, {}},
    };
}

}  // namespace

const std::vector<OpForm>& op_forms() {
    static const std::vector<OpForm> forms = make_forms();
    return forms;
}

const OpForm* op_form(std::string_view keyword) {
    for (const OpForm& f : op_forms())
        if (keyword == f.keyword) return &f;
    return nullptr;
}

const OpForm& op_form(const Op& op) {
    // The first form of each alternative, found by the variant's index: this
    // runs for every op the validator and the minimizer look at.
    static const auto first_form = [] {
        std::array<const OpForm*, std::variant_size_v<Op>> first{};
        for (const OpForm& f : op_forms())
            if (!first[f.blank.index()]) first[f.blank.index()] = &f;
        return first;
    }();
    const OpForm* f = first_form[op.index()];
    if (f && f->is(op)) return *f;
    for (const OpForm& g : op_forms())  // an alternative with several forms (region, region1)
        if (g.is(op)) return g;
    return op_forms().back();  // unreachable: every alternative of Op has a form (a test holds this)
}

std::string op_keyword(const Op& op) { return op_form(op).keyword; }

}  // namespace slotcheck
