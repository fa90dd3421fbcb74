// The op table (seq/op_table.h) is what the parser, printer, handle
// bookkeeping and minimizer walk; these tests hold it to the Op variant.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "seq/op_handles.h"
#include "seq/op_table.h"
#include "seq/sequence.h"

namespace slotcheck {
namespace {

template <size_t... I>
std::vector<Op> one_of_each(std::index_sequence<I...>) {
    return {Op{std::in_place_index<I>}...};
}

std::vector<Op> every_alternative() { return one_of_each(std::make_index_sequence<std::variant_size_v<Op>>{}); }

TEST(OpTable, EveryAlternativeOfOpHasExactlyOneFormAndEachFormItsOwnKeyword) {
    std::set<std::string> keywords;
    for (const OpForm& f : op_forms()) EXPECT_TRUE(keywords.insert(f.keyword).second) << f.keyword;
    std::vector<Op> ops = every_alternative();
    SetRegion v1;
    v1.version = 1;
    ops.push_back(v1);
    for (const Op& op : ops) {
        int forms = 0;
        for (const OpForm& f : op_forms()) forms += f.is(op) ? 1 : 0;
        EXPECT_EQ(forms, 1) << "alternative " << op.index();
    }
    for (const OpForm& f : op_forms()) EXPECT_TRUE(f.is(f.blank)) << f.keyword << " does not print its own blank op";
}

TEST(OpTable, EveryFieldHasTheAccessorsItsKindNeeds) {
    for (const OpForm& form : op_forms()) {
        for (const FieldSpec& f : form.fields) {
            SCOPED_TRACE(std::string(form.keyword) + " " + (f.key ? f.key : f.what ? f.what : "?"));
            EXPECT_TRUE(f.key || f.what) << "a positional field needs a description for its errors";
            switch (f.kind) {
            case FieldKind::Number: EXPECT_TRUE(f.get && f.set && f.max); break;
            case FieldKind::Width: EXPECT_TRUE(f.get && f.set); break;
            case FieldKind::Handle: EXPECT_TRUE(f.handle && f.handle_kinds); break;
            case FieldKind::HostAddress: EXPECT_TRUE(f.address); break;
            case FieldKind::Fd: EXPECT_TRUE(f.fd); break;
            case FieldKind::MmapSource:
            case FieldKind::Prot: EXPECT_TRUE(f.mmap); break;
            }
        }
    }
}

// The form's blank op, valid after kPreamble: a handle field names a handle
// of a kind it accepts (number 1 when the op creates it, 0 when it uses
// it), a host address points into m0.
Op well_formed_blank(const OpForm& form) {
    Op op = form.blank;
    for (const FieldSpec& f : form.fields) {
        if (f.kind == FieldKind::HostAddress) f.address(op) = HostAddr{true, {HandleKind::Mapping, 0}, 0};
        if (f.kind != FieldKind::Handle) continue;
        for (auto k : {HandleKind::Vm, HandleKind::Gmem, HandleKind::Memfd, HandleKind::Mapping}) {
            if (f.handle_kinds & handle_kind_bit(k)) {
                f.handle(op) = {k, f.role == HandleRole::Creates ? 1u : 0u};
                break;
            }
        }
    }
    return op;
}

const std::string kPreamble =
    "slotcheck-sequence 1\nvm v0\ngmem g0 vm=v0 size=0x1000\nmemfd f0 size=0x1000\nmmap m0 anon size=0x1000\n";

// A field changed in the op shows in the printed text and parses back.
TEST(OpTable, EveryNumberFieldPrintsUnderItsKeyAndParsesBack) {
    for (const OpForm& form : op_forms()) {
        for (const FieldSpec& f : form.fields) {
            if (f.kind != FieldKind::Number) continue;
            Op op = well_formed_blank(form);
            f.set(op, 0x18);  // within every field's range, aligned to 8 as guest accesses need
            const std::string line = print_op(op);
            const std::string shown = f.key ? std::string(f.key) + "=0x18" : std::string(" 0x18");
            EXPECT_NE(line.find(shown), std::string::npos) << line;
            auto parsed = parse(kPreamble + line + "\n", "t.seq");
            ASSERT_TRUE(parsed.sequence) << line << ": " << parsed.error->to_string();
            ASSERT_EQ(parsed.sequence->steps.size(), 5u);
            EXPECT_EQ(parsed.sequence->steps.back().op, op) << line;
        }
    }
}

TEST(OpTable, HandlesComeFromTheTable) {
    CreateGmem g;
    g.gmem = {HandleKind::Gmem, 3};
    g.vm = {HandleKind::Vm, 1};
    EXPECT_EQ(created_handle(g), (Handle{HandleKind::Gmem, 3}));
    EXPECT_EQ(used_handles(g), (std::vector<Handle>{{HandleKind::Vm, 1}}));

    SetRegion r;
    r.vm = {HandleKind::Vm, 0};
    r.uaddr = HostAddr{true, {HandleKind::Mapping, 2}, 0x1000};
    r.gmem = FdRef{FdRef::Kind::Handle, {HandleKind::Gmem, 5}};
    EXPECT_EQ(created_handle(r), std::nullopt);
    EXPECT_EQ(used_handles(r), (std::vector<Handle>{{HandleKind::Vm, 0}, {HandleKind::Mapping, 2}, {HandleKind::Gmem, 5}}));
    r.version = 1;  // a version-1 region has no guest_memfd field
    EXPECT_EQ(used_handles(r), (std::vector<Handle>{{HandleKind::Vm, 0}, {HandleKind::Mapping, 2}}));

    Op renamed = Op{r};
    rename_handles(renamed, [](Handle& h) { h.index += 10; });
    EXPECT_EQ(std::get<SetRegion>(renamed).vm.index, 10u);
    EXPECT_EQ(std::get<SetRegion>(renamed).uaddr.mapping.index, 12u);
    EXPECT_EQ(std::get<SetRegion>(renamed).gmem.handle.index, 5u) << "a version-1 region's gmem is not a field";
}

TEST(OpTable, ANarrowFieldRejectsAValueAboveItsWidthNamingTheField) {
    auto parsed = parse("slotcheck-sequence 1\nvm v0\nregion v0 slot=0x100000000 gpa=0x0 size=0x1000\n", "t.seq");
    ASSERT_FALSE(parsed.sequence);
    EXPECT_EQ(parsed.error->to_string(), "t.seq:3:11: field 'slot' does not fit in 32 bits");
}

}  // namespace
}  // namespace slotcheck
