// Reading the text form a step at a time (docs/sequence-format.md): each
// line is parsed and each step validated (HandleValidator) as it is read, so
// an error anywhere in a file is found in one pass that holds one line, and
// what runs the file reads it again as it goes (FileSteps). parse() is this
// reader over a string.
#pragma once

#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seq/sequence.h"
#include "seq/step_source.h"

namespace slotcheck {

// The longest line the reader takes: a longer one is an error, not a line
// held whole (a file without newlines would otherwise be read at once).
// Far above any real line, and high enough that a 10 MB token still gets
// its own message, cut to 200 bytes (sys/quoted.h).
inline constexpr size_t kMaxLineBytes = size_t{16} << 20;

class SequenceReader {
public:
    // `in` must outlive the reader.
    SequenceReader(std::istream& in, std::string file_name);
    ~SequenceReader();
    SequenceReader(const SequenceReader&) = delete;
    SequenceReader& operator=(const SequenceReader&) = delete;

    // The next step, parsed and validated; nothing at the end of the input
    // or at the first error (error() then says where).
    std::optional<Step> next();
    const std::optional<SourceError>& error() const { return error_; }
    // The comment lines before the first step: all of them once next() has
    // given the first step or ended.
    const std::vector<std::string>& header_comments() const { return header_comments_; }

private:
    std::istream& in_;
    std::string file_name_;
    int line_no_ = 0;
    bool seen_header_ = false;
    bool ended_ = false;
    size_t steps_ = 0;
    std::vector<std::string> header_comments_;
    std::vector<std::string> pending_comments_;
    HandleValidator validator_;
    std::optional<SourceError> error_;
};

// A sequence file, read anew on each pass. The file is meant to be checked
// in a first pass (each_step() to the end, then error()); should it change
// or fail to read later, a pass ends there and error() says why.
class FileSteps final : public StepSource {
public:
    explicit FileSteps(std::string path) : path_(std::move(path)) {}
    std::unique_ptr<Pass> pass() const override;
    // The first error any pass met, if any.
    std::optional<SourceError> error() const override { return *error_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::shared_ptr<std::optional<SourceError>> error_ = std::make_shared<std::optional<SourceError>>();
};

}  // namespace slotcheck
