#include "sys/meminfo.h"

#include <fstream>
#include <sstream>
#include <string>

namespace slotcheck {

std::optional<uint64_t> meminfo_bytes(std::string_view field) {
    std::ifstream meminfo("/proc/meminfo");
    const std::string wanted = std::string(field) + ":";
    std::string line;
    while (std::getline(meminfo, line)) {
        std::istringstream in(line);
        std::string key, unit;
        uint64_t kib = 0;
        if (in >> key >> kib >> unit && key == wanted && unit == "kB") return kib * 1024;
    }
    return std::nullopt;
}

}  // namespace slotcheck
