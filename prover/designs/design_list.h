// The designs the prover knows, one factory per file in designs/. The table
// (design_table.cpp) calls each by name, so adding a design is a new file, a
// line here and a line there: nothing depends on the linker keeping an object
// nobody references.
#pragma once

#include <memory>

#include "prover/design.h"

namespace slotcheck::smt {

std::unique_ptr<Design> make_ofs_tree_unique();      // 1
std::unique_ptr<Design> make_ofs_tree_all();         // 2
std::unique_ptr<Design> make_ofs_tree_checked();     // 3
std::unique_ptr<Design> make_per_slot_context();     // 4
std::unique_ptr<Design> make_gfn_start_context();    // 5
std::unique_ptr<Design> make_delta_context();        // 6
std::unique_ptr<Design> make_per_file_bindings();    // 7

}  // namespace slotcheck::smt
