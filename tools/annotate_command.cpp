// slotcheck annotate: write the model's expected outcomes into sequence
// files (prover counterexamples and generated cases arrive without them),
// then check the result against every profile the corpus is written for.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "model/corpus_profiles.h"
#include "replay/differ.h"
#include "replay/features.h"
#include "replay/rule_naming.h"
#include "sys/atomic_file.h"
#include "sys/quoted.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/profile_options.h"
#include "tools/sequence_files.h"

namespace slotcheck::cli {

namespace {

constexpr const char* kSummary =
    "Replaces each file's expected outcomes with the model's under the profile (default\n"
    "linux-6.18), adding 'variant: outcome' alternatives where a newer kernel differs, and\n"
    "names the rule that decides each rejection ('=> EINVAL [region.gpa-wrap]').";
constexpr const char* kNotes =
    "exit: 0 written and consistent, 1 an annotated file disagrees under a named profile (or, with\n"
    "  --name-rules, an expected rejection could not be named), 2 bad input (docs/output.md, \"Exit codes\")";

// The named profiles the rewritten expectations are checked under (the
// corpus test holds files to more: model/corpus_profiles.h).
const char* const kCorpusProfiles[] = {"linux-6.18", "linux-7.2", "linux-7.3", "upstream"};

}  // namespace

int annotate_main(int argc, char** argv) {
    ProfileChoice choice;
    std::optional<std::string> out_dir;
    bool name_rules = false;
    std::vector<std::string> files;
    CommandLine line("annotate", kSummary, kNotes);
    line.app().add_option("FILE", files, "a sequence file")->required();
    const ProfileOptions profile_options = add_profile_options(line, choice);
    // --name-rules reads each file under every profile the corpus is
    // written for: it takes no profile options.
    line.add_switch("--name-rules", name_rules,
                    "keep the written outcomes; only name the rule of each expected rejection,\n"
                    "as the model decides it under every profile the corpus is written for")
        ->excludes(profile_options.profile)
        ->excludes(profile_options.variant)
        ->excludes(profile_options.accept_deviation);
    line.add_text("--out", out_dir, "DIR", "write the annotated files into DIR instead of in place");
    if (auto code = line.parse(argc, argv)) return *code;
    // The files, and where they go, are checked before any is annotated.
    for (const auto& file : files) {
        if (auto unreadable = check_sequence_file(file)) {
            std::cerr << "slotcheck annotate: " << *unreadable << "\n";
            return kExitBadInput;
        }
        auto unwritable = out_dir ? check_output_dir("--out", *out_dir) : check_output_file("in place", file);
        if (unwritable) {
            std::cerr << "slotcheck annotate: " << *unwritable << "\n";
            return kExitBadInput;
        }
    }
    if (!choice.name) choice.name = "linux-6.18";
    std::string error;
    auto profile = resolve_profile(choice, nullptr, error);
    if (!profile) {
        std::cerr << "slotcheck annotate: " << error << "\n";
        return kExitBadInput;
    }
    int status = kExitOk;
    for (const auto& file : files) {
        auto parsed = parse_file(file);
        if (parsed.error) {
            std::cerr << "slotcheck annotate: " << parsed.error->to_string() << "\n";
            return kExitBadInput;
        }
        Sequence annotated;
        std::vector<Profile> checked_under;
        std::optional<std::string> text;  // the file's text with the rules named in place
        if (name_rules) {
            RuleNaming named = with_rules_named(*parsed.sequence, corpus_profiles());
            for (const auto& problem : named.problems) {
                std::cerr << file << ": " << problem << "\n";
                status = kExitDivergence;
            }
            annotated = std::move(named.sequence);
            checked_under = corpus_profiles();
            // Only the expectations change: the file keeps its layout.
            std::ifstream in(file, std::ios::binary);
            std::ostringstream original;
            original << in.rdbuf();
            text = with_expectations_in_text(original.str(), annotated);
            if (text) {
                const auto reread = parse(*text, file);
                if (!reread.sequence || !(*reread.sequence == annotated)) text.reset();
            }
            if (!text) std::cerr << file << ": its expectations could not be rewritten in place; written in canonical form\n";
        } else {
            annotated = with_model_expectations(*parsed.sequence, *profile);
            for (const char* name : kCorpusProfiles) checked_under.push_back(*named_profile(name));
        }
        for (const Profile& under : checked_under) {
            // A file that needs what the profile lacks (VM type 1 under
            // linux-6.18) is a skip there, as in replay: nothing to check.
            if (!missing_features(annotated, under).empty()) continue;
            ReplayOptions options;
            options.stop_at_first = false;
            for (const auto& d : replay(annotated, under, nullptr, options).divergences) {
                std::cerr << file << ": under " << under.name << ": " << d.summary() << "\n";
                status = kExitDivergence;
            }
        }
        std::string target = file;
        if (out_dir) target = (std::filesystem::path(*out_dir) / std::filesystem::path(file).filename()).string();
        auto failed = out_dir ? create_directories(*out_dir) : std::nullopt;
        if (!failed) failed = write_file_atomically(target, text ? *text : print(annotated));
        if (failed) {
            std::cerr << "slotcheck annotate: " << *failed << "\n";
            return kExitBadInput;
        }
        std::cout << target << "\n";
    }
    return status;
}

}  // namespace slotcheck::cli
