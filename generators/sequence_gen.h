// Generators of whole sequences. Handles are created before use, so every
// generated sequence passes validate_handles(); values lean on the
// boundaries in values.h.
#pragma once

#include <rapidcheck.h>

#include "seq/sequence.h"

namespace slotcheck::gen {

// Any outcome, for round-trip tests of the text form.
rc::Gen<Outcome> outcome();
// A sequence of up to `max_steps` steps over any operations, with random
// expectations and comments: exercises the printer and parser.
rc::Gen<Sequence> any_sequence(size_t max_steps);

}  // namespace slotcheck::gen
