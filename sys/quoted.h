// How user-supplied text (a bad token, an option value, a path) is shown in
// an error message: never more than kQuotedBytes of it, and never a byte
// that would reach a terminal raw. One helper, used by every message that
// echoes input (docs/sequence-format.md, "Errors").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace slotcheck {

// How much of a long text a message shows before "...".
inline constexpr size_t kQuotedBytes = 200;

// `text` made safe to print: control bytes, DEL, C1 controls and bytes that
// are not valid UTF-8 become \xNN, a backslash becomes \\, and after
// kQuotedBytes input bytes the rest is cut to "... (N bytes)". Printable
// ASCII and valid UTF-8 pass unchanged.
std::string escaped(std::string_view text);

// escaped(text) between single quotes: 'text', or 'first 200...' (N bytes).
std::string quote(std::string_view text);

}  // namespace slotcheck
