#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>
namespace slotcheck::vm {
enum class SplatKind { Warning, Bug, Oops, GeneralProtection, Kasan, Kmsan, Ubsan, Lockdep, RcuStall, HungTask, SoftLockup, Panic };
inline std::string splat_kind_name(SplatKind) { return "warning"; }
struct Splat { SplatKind kind; std::string title; size_t start_line = 0; std::vector<std::string> report; bool complete = false; };
class SplatScanner {
public:
    std::optional<size_t> feed(std::string_view line) {
        auto s = strip_prefix(line); ++n_;
        if (s.rfind("WARNING: CPU", 0) == 0) { splats_.push_back({SplatKind::Warning, "WARNING in x", n_ - 1, {std::string(s)}, false}); return splats_.size() - 1; }
        return std::nullopt;
    }
    const std::vector<Splat>& splats() const { return splats_; }
    static std::string_view strip_prefix(std::string_view line) { if (!line.empty() && line[0]=='[') { auto e=line.find("] "); if (e!=std::string_view::npos) line.remove_prefix(e+2);} return line; }
private:
    std::vector<Splat> splats_; size_t n_ = 0;
};
}
