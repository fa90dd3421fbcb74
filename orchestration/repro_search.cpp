#include "orchestration/repro_search.h"

#include <algorithm>
#include <map>

namespace slotcheck::cli {

namespace {

class Search {
public:
    Search(const ReproducesFn& reproduces) : reproduces_(reproduces) {}

    // nullopt: out of time (recorded).
    std::optional<bool> ask(const std::vector<size_t>& set) {
        if (auto seen = answers_.find(set); seen != answers_.end()) return seen->second;
        const auto answer = reproduces_(set);
        if (!answer) {
            result.out_of_time = true;
            return std::nullopt;
        }
        ++result.attempts;
        answers_.emplace(set, *answer);
        return answer;
    }

    ReproSearchResult result;

private:
    const ReproducesFn& reproduces_;
    std::map<std::vector<size_t>, bool> answers_;
};

std::vector<size_t> last(size_t count, size_t n) {
    std::vector<size_t> set;
    for (size_t i = count - n; i < count; ++i) set.push_back(i);
    return set;
}

}  // namespace

ReproSearchResult find_culprits(size_t count, const ReproducesFn& reproduces) {
    Search search(reproduces);
    auto& result = search.result;
    if (count == 0) return result;
    // 1. The last ones first, doubling.
    std::vector<size_t> best;
    for (size_t n = 1;; n = std::min(2 * n, count)) {
        const auto answer = search.ask(last(count, n));
        if (!answer) return result;
        if (*answer) {
            best = last(count, n);
            break;
        }
        if (n == count) return result;
    }
    result.reproduced = true;
    result.culprits = best;
    // 2. Bisection: drop chunks whose absence keeps the report.
    for (size_t chunk = std::max<size_t>(best.size() / 2, 1); best.size() > 1; chunk /= 2) {
        for (size_t start = 0; start < best.size() && best.size() > 1;) {
            const size_t end = std::min(start + chunk, best.size());
            if (end - start == best.size()) break;
            std::vector<size_t> rest(best.begin(), best.begin() + static_cast<long>(start));
            rest.insert(rest.end(), best.begin() + static_cast<long>(end), best.end());
            const auto answer = search.ask(rest);
            if (!answer) break;
            if (*answer) {
                best = rest;  // the chunk's place now holds the next one
                result.culprits = best;
            } else {
                start = end;
            }
        }
        if (result.out_of_time || chunk == 1) break;
    }
    // 3. Each one alone, last first.
    for (size_t i = best.size(); i-- > 0 && best.size() > 1;) {
        const auto answer = search.ask({best[i]});
        if (!answer) break;
        if (*answer) best = {best[i]};
    }
    result.culprits = best;
    return result;
}

}  // namespace slotcheck::cli
