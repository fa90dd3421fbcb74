// A sequence from text in a test: a parse error fails the test with its
// place and message.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "seq/sequence.h"

namespace slotcheck::test {

inline Sequence parsed(const std::string& text) {
    auto p = parse(text);
    EXPECT_FALSE(p.error) << p.error->to_string();
    return *p.sequence;
}

}  // namespace slotcheck::test
