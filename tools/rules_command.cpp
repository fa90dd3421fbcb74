// slotcheck rules: the rule table, one row per rule.
#include <cstring>
#include <iostream>

#include "model/outcome.h"
#include "model/rules.h"
#include "tools/commands.h"

namespace slotcheck::cli {

int rules_main(int argc, char** argv) {
    if (argc > 1) {
        std::cerr << "usage: slotcheck rules\n  Lists every rule: name, errno (or effect), kernel source, summary.\n";
        return std::strcmp(argv[1], "--help") ? kExitBadInput : kExitOk;
    }
    for (const auto& r : rule_table())
        std::cout << r.name << "\t" << (r.err ? errno_name(r.err) : std::string("effect")) << "\t" << r.source << "\t"
                  << r.summary << "\n";
    return kExitOk;
}

}  // namespace slotcheck::cli
