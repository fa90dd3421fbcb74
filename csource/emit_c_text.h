// The pieces of an emitted C program that do not depend on the sequence
// (csource/emit_c.cpp puts them together), and the rendering of values as C.
#pragma once

#include <string>
#include <string_view>

#include "seq/outcome.h"

namespace slotcheck::emit_c_text {

// #defines and tables the program's own runtime needs beyond what the
// executor core defines: the mapping arena and the never-open fd
// (seq/layout.h) and the errno names of the sequence format
// (seq/outcome.h).
std::string numbers();

// The executor core, harness/c/ (headers first, then sources), embedded at
// build time (csource/emit_c.cmake): the same code the harness runs.
std::string_view executor();

// csource/emit_c_prelude.c, the program's own runtime, embedded at build time.
std::string_view prelude();

// A C expression that builds the outcome: sc_error(EINVAL), sc_value(0x2a), ...
std::string outcome(const Outcome& o);

// A C string literal holding `text`.
std::string string_literal(const std::string& text);

// `text` made safe inside a /* */ comment.
std::string comment_safe(const std::string& text);

}  // namespace slotcheck::emit_c_text
