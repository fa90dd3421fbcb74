// slotcheck emit-c: write a sequence as a standalone C program (csource/emit_c.h).
#include <fstream>
#include <iostream>
#include <sstream>

#include "csource/emit_c.h"
#include "harness/kernel_facts.h"
#include "sys/atomic_file.h"
#include "sys/quoted.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/profile_options.h"
#include "tools/sequence_files.h"

namespace slotcheck::cli {

namespace {

constexpr const char* kSummary =
    "Writes the sequence FILE as one self-contained C program that performs its steps with\n"
    "raw syscalls, checks every outcome and reports in TAP (kselftest) style. The expected\n"
    "outcomes are resolved under the profile (default: the running kernel's when /dev/kvm is\n"
    "usable, else upstream).";
constexpr const char* kNotes =
    "Build and run: gcc -O1 -o repro FILE.c && ./repro  (exit 0 agree, 1 first mismatch, 4 skip:\n"
    "  no /dev/kvm, or the kernel lacks a feature the outcomes need)\n"
    "exit: 0 written, 2 bad input (docs/output.md, \"Exit codes\")";

int bad_input(const std::string& message) {
    std::cerr << "slotcheck emit-c: " << message << "\n";
    return kExitBadInput;
}

}  // namespace

int emit_c_main(int argc, char** argv) {
    ProfileChoice choice;
    std::optional<std::string> out_path;
    std::vector<std::string> files;
    CommandLine line("emit-c", kSummary, kNotes);
    line.app().add_option("FILE", files, "the sequence file")->required();
    line.add_text("--out", out_path, "FILE.c", "write the program there (default: stdout)");
    add_profile_options(line, choice);
    if (auto code = line.parse(argc, argv)) return *code;
    if (files.size() > 1)
        return bad_input("one sequence file at a time (got " + quote(files[0]) + " and " + quote(files[1]) + ")");
    const std::optional<std::string> file = files.front();
    if (out_path)
        if (auto unwritable = check_output_file("--out", *out_path)) return bad_input(*unwritable);
    if (auto unreadable = check_sequence_file(*file)) return bad_input(*unreadable);
    std::ifstream in(*file);
    if (!in) return bad_input(*file + ": cannot read this file");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parse(text.str(), *file);
    if (parsed.error) return bad_input(parsed.error->to_string());

    // Without --profile, the kernel this runs on decides, as for replay.
    KernelFacts facts;
    std::string why, error;
    bool have_kvm = !choice.name && kvm_available(why);
    if (have_kvm) facts = gather_kernel_facts();
    auto profile = resolve_profile(choice, have_kvm ? &facts : nullptr, error, &std::cerr, "slotcheck emit-c: ");
    if (!profile) return bad_input(error);

    EmitCResult result = emit_c(*parsed.sequence, *profile, EmitCSource{*file, text.str()});
    for (const auto& note : result.notes) std::cerr << "slotcheck emit-c: note: " << *file << ": " << note << "\n";
    if (!out_path) {
        std::cout << result.program;
        return kExitOk;
    }
    if (auto failed = write_file_atomically(*out_path, result.program)) return bad_input(*failed);
    return kExitOk;
}

}  // namespace slotcheck::cli
