// The names of the profile variants an expected outcome may name
// ("=> EEXIST | binding-overlap-eexist: EINVAL"). The language knows their
// names only; what each variant changes, and which profile has it on, is the
// model's (model/profile.cpp, whose table takes every name through
// known_variant(), so a name the list lacks does not compile, and
// ProfileVariants.TableCoversEveryNameOnce holds it to the whole list).
#pragma once

#include <array>
#include <string_view>

namespace slotcheck {

inline constexpr std::array<std::string_view, 11> kVariantNames = {
    "guest-memfd-ioctl",       "gmem-on-default-vm",      "gmem-mmap",
    "binding-overlap-eexist",  "gmem-offset-unsigned",    "binding-checked-after-arch",
    "gmf-toggle-rejected",     "gmem-noexec-mount",       "memory-attributes-ioctl",
    "sw-protected-vm",         "mmio-cache-ignores-attributes",
};

constexpr bool is_variant_name(std::string_view name) {
    for (std::string_view v : kVariantNames)
        if (v == name) return true;
    return false;
}

// A variant name checked at compile time.
consteval const char* known_variant(const char* name) {
    if (!is_variant_name(name)) throw "not a variant name in seq/variant_names.h";
    return name;
}

}  // namespace slotcheck
