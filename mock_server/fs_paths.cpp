// The lexical rule for clients' paths (fs_paths.hpp).
#include "mock_server/fs_paths.hpp"

#include <vector>

namespace xsime::mock {

std::optional<std::string> normalise(std::string_view rel) {
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (pos <= rel.size()) {
        std::size_t end = rel.find('/', pos);
        if (end == std::string_view::npos) {
            end = rel.size();
        }
        const std::string_view part = rel.substr(pos, end - pos);
        pos = end + 1;
        if (part.empty() || part == ".") {
            continue;
        }
        if (part == "..") {
            if (parts.empty()) {
                return std::nullopt;
            }
            parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (const std::string_view part : parts) {
        if (!out.empty()) {
            out += '/';
        }
        out += part;
    }
    return out;
}

} // namespace xsime::mock
