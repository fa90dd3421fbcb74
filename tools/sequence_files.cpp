#include "tools/sequence_files.h"

#include <algorithm>
#include <filesystem>

namespace slotcheck::cli {

std::vector<std::string> collect_files(const std::vector<std::string>& paths, std::string& error) {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    for (const auto& p : paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<std::string> found;
            for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
                 it.increment(ec))
                if (it->is_regular_file() && it->path().extension() == ".seq") found.push_back(it->path().string());
            std::sort(found.begin(), found.end());
            if (found.empty()) {
                error = p + ": no *.seq files in this directory";
                return {};
            }
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        } else {
            error = p + ": no such file or directory";
            return {};
        }
    }
    return files;
}

}  // namespace slotcheck::cli
