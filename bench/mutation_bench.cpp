// The mutation kill matrix (docs/fuzzing.md, docs/performance.md): for every
// rule's mutant (model/mutation.h), a fuzz campaign against the oracle with
// that mutant in the model under test. A correct kernel must then disagree:
// the time to kill measures how well the generators reach the rule, and the
// shrunk length how well shrinking works. The reference "hand" length is the
// shortest prefix of a hand-written corpus file that already kills the
// mutant (an upper bound on the shortest sequence a person would write).
//
//   mutation_bench [--seconds N] [--seed S] [--jobs J] [--model-only] [--profile P]
//                  [--corpus DIR] [--rules a,b,...]
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "fuzz/campaign.h"
#include "harness/kernel_facts.h"
#include "model/deviation.h"
#include "model/mutation.h"
#include "seq/text_scan.h"

using namespace slotcheck;

namespace {

std::vector<Sequence> load_corpus(const std::string& dir) {
    std::vector<Sequence> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file() || it->path().extension() != ".seq") continue;
        auto parsed = parse_file(it->path().string());
        if (parsed.sequence) out.push_back(std::move(*parsed.sequence));
    }
    return out;
}

// The shortest corpus prefix on which the mutant disagrees with the
// reference model (0 when no corpus file kills it).
size_t shortest_corpus_kill(const std::vector<Sequence>& corpus, const Profile& profile, RuleId mutant) {
    size_t best = 0;
    for (const auto& seq : corpus) {
        JudgeOptions o;
        o.profile = profile;
        o.oracle = OracleKind::Model;
        o.mutant = mutant;
        o.check_invariants = false;
        Verdict v = judge(seq, o);
        if (!v.divergence) continue;
        size_t ops = 0;
        for (size_t i = 0; i <= v.divergence->step && i < seq.steps.size(); ++i)
            ops += !std::holds_alternative<Check>(seq.steps[i].op) || i == v.divergence->step;
        if (best == 0 || ops < best) best = ops;
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 30;
    uint64_t seed = 1;
    unsigned jobs = 1;
    bool model_only = false;
    std::string profile_name, corpus_dir = SLOTCHECK_SOURCE_DIR "/corpus";
    std::vector<std::string> only_rules;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "mutation_bench: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--seconds") seconds = std::stod(value());
        else if (a == "--seed") seed = parse_u64(value()).value_or(1);
        else if (a == "--jobs") jobs = static_cast<unsigned>(std::stoul(value()));
        else if (a == "--model-only") model_only = true;
        else if (a == "--profile") profile_name = value();
        else if (a == "--corpus") corpus_dir = value();
        else if (a == "--rules") {
            std::stringstream s(value());
            for (std::string r; std::getline(s, r, ',');) only_rules.push_back(r);
        } else {
            std::cerr << "mutation_bench: unknown option '" << a << "'\n";
            return 2;
        }
    }
    Profile profile = upstream_profile();
    std::string release;
    if (!model_only) {
        std::string why;
        if (!kvm_available(why)) {
            std::cerr << "mutation_bench: /dev/kvm unavailable: " << why << " (--model-only, or scripts/bench-in-vm)\n";
            return 3;
        }
        auto facts = gather_kernel_facts();
        release = facts.release;
        profile = profile_with_baseline(facts);
    }
    if (!profile_name.empty()) {
        auto p = named_profile(profile_name);
        if (!p) {
            std::cerr << "mutation_bench: unknown profile " << profile_name << "\n";
            return 2;
        }
        profile = *p;
    }
    const auto corpus = load_corpus(corpus_dir);
    // Which rules can decide under this profile at all: an unmutated
    // model-only campaign's coverage (a rule whose condition the profile
    // rules out, like ENOTTY on a kernel that has the ioctl, has no
    // killable mutant there).
    fuzz::CampaignOptions reach;
    reach.seconds = std::min(seconds, 10.0);
    reach.seed = seed;
    reach.judge.profile = profile;
    reach.judge.oracle = OracleKind::Model;
    const auto reference = fuzz::run_campaign(reach, nullptr);
    std::cout << "mutation kill matrix: oracle " << (model_only ? "model" : "kernel " + release) << ", profile "
              << profile.name << ", " << seconds << " s per mutant, seed " << seed << ", " << jobs << " job(s), "
              << corpus.size() << " corpus files\n\n";
    std::cout << std::left << std::setw(30) << "rule" << std::setw(14) << "mutation" << std::setw(10) << "killed"
              << std::setw(10) << "time s" << std::setw(8) << "shrunk" << std::setw(8) << "hand" << "by\n";
    size_t killed = 0, total = 0, within = 0, unreachable = 0;
    for (const auto& m : mutation_table()) {
        const std::string name = rule(m.rule).name;
        if (!only_rules.empty() && std::find(only_rules.begin(), only_rules.end(), name) == only_rules.end())
            continue;
        ++total;
        fuzz::CampaignOptions o;
        o.seconds = seconds;
        o.seed = seed;
        o.jobs = jobs;
        o.judge.profile = profile;
        o.judge.oracle = model_only ? OracleKind::Model : OracleKind::Kernel;
        o.judge.mutant = m.rule;
        // Only a disagreement with the oracle counts as a kill, not the
        // mutated model tripping over its own invariants.
        o.judge.check_invariants = false;
        o.shrink_seconds = 30;
        auto r = fuzz::run_campaign(o, nullptr);
        const size_t hand = shortest_corpus_kill(corpus, profile, m.rule);
        const char* kind = m.kind == MutationKind::NeverFires     ? "never-fires"
                           : m.kind == MutationKind::SkipsCheck   ? "skips-check"
                           : m.kind == MutationKind::SkipsEffect  ? "skips-effect"
                                                                  : "wrong-outcome";
        std::cout << std::left << std::setw(30) << name << std::setw(14) << kind;
        if (r.findings.empty()) {
            const bool reachable = reference.coverage.decided(m.rule) > 0;
            unreachable += !reachable;
            std::cout << std::setw(10) << (reachable ? "NO" : "unreached") << std::setw(10) << "-" << std::setw(8)
                      << "-" << std::setw(8) << (hand ? std::to_string(hand) : "-")
                      << (reachable ? "" : "the rule never decides under this profile") << "\n";
            continue;
        }
        ++killed;
        const auto& f = r.findings.front();
        within += f.found_after_s <= 30;
        std::ostringstream t;
        t << std::fixed << std::setprecision(2) << f.found_after_s;
        std::cout << std::setw(10) << "yes" << std::setw(10) << t.str() << std::setw(8) << f.shrunk.steps.size()
                  << std::setw(8) << (hand ? std::to_string(hand) : "-") << f.signature << "\n";
        std::cout.flush();
    }
    std::cout << "\nkilled " << killed << "/" << total - unreachable << " reachable mutants (" << within
              << " within 30 s); " << unreachable << " rule(s) never decide under " << profile.name << "\n";
    return killed + unreachable == total ? 0 : 1;
}
