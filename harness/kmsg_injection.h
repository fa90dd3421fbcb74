// The watcher's self-test (`--inject-kmsg`): a simulated kernel bug that
// writes a real-format report into the kernel log, so the whole path from a
// report on the console back to a sequence can be checked without a buggy
// kernel. Two rules:
//
//   FILE@LABEL      while a sequence whose label contains LABEL runs (the
//                   report is that sequence's own);
//   FILE@+K:TEXT    once a sequence whose text contains TEXT (a piece of an
//                   operation line, such as `u64 0x5eed`) has begun, when the
//                   K-th sequence after it begins, or when the run ends if
//                   fewer follow: a delayed effect, like a use-after-free
//                   that surfaces as a lockup later. Being bound to the
//                   sequence's content, the "bug" keeps following the
//                   operation when the sequence is replayed elsewhere or
//                   shrunk, and goes away once the operation is gone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slotcheck {

struct KmsgInjectionRule {
    std::string file;  // the lines to write
    bool caused = false;
    std::string label_part;  // !caused: a piece of the label of the sequence that shows the report
    std::string text_part;   // caused: a piece of the text of the sequence that causes it
    unsigned after = 0;      // caused: how many sequences later the report surfaces
};

// Parses FILE@LABEL or FILE@+K:TEXT (K in 0..1000). nullopt with `error`
// saying what is wrong, for a message naming the option.
std::optional<KmsgInjectionRule> parse_kmsg_injection(std::string_view spec, std::string& error);

}  // namespace slotcheck
