// The pieces of an emitted C program that do not depend on the sequence
// (tools/emit_c.cpp puts them together), and the rendering of values as C.
#pragma once

#include <string>
#include <string_view>

#include "seq/outcome.h"

namespace slotcheck::emit_c_text {

// #defines and tables the runtime needs, taken from the harness headers:
// the host layout (seq/layout.h), the probe's layout, time limits and
// machine code (harness/guest_probe.h, harness/guest_program.h), the ioctl
// numbers (<linux/kvm.h> and harness/kvm_uapi.h) and the errno names of the
// sequence format (seq/outcome.h).
std::string numbers();

// tools/emit_c_prelude.c, embedded at build time (tools/emit_c.cmake).
std::string_view prelude();

// A C expression that builds the outcome: sc_error(EINVAL), sc_value(0x2a), ...
std::string outcome(const Outcome& o);

// A C string literal holding `text`.
std::string string_literal(const std::string& text);

// `text` made safe inside a /* */ comment.
std::string comment_safe(const std::string& text);

}  // namespace slotcheck::emit_c_text
