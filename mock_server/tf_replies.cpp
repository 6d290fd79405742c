// The replies of the TF file commands: status lines, FAILED texts, listing chunks, shown paths.
#include "mock_server/tf_replies.hpp"

#include <string_view>

namespace xsime::mock {

namespace {

std::string_view failure_text(int code) {
    switch (code) {
    case 1:
        return "Access denied to location.";
    case 9:
        return "File does not exist.";
    case 10:
        return "Directory does not exist.";
    case 16:
        return "Missing parameter.";
    default:
        return "Failed.";
    }
}

} // namespace

std::string printable(std::string_view text, std::size_t limit) {
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
        if (out.size() >= limit) {
            out += "...";
            break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\') {
            out += "\\\\";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

std::string fstat_reply(const FileStatus& status) {
    return "OK " + std::string(1, status.type) + " " + std::to_string(status.size) + " " +
           std::to_string(status.atime) + " " + std::to_string(status.mtime);
}

std::string failure_reply(const FileFailure& failure) {
    std::string reply =
        "FAILED " + std::to_string(failure.code) + " : " + std::string(failure_text(failure.code));
    if (!failure.reason.empty()) {
        reply += " (" + printable(failure.reason) + ")";
    }
    return reply;
}

std::deque<std::string> listing_chunks(const std::vector<ListEntry>& entries,
                                       std::size_t chunk_bytes) {
    std::deque<std::string> chunks;
    std::string chunk;
    for (const auto& entry : entries) {
        std::string line =
            std::string(1, entry.type) + ": " + printable(entry.name, std::string::npos);
        if (entry.type == 'D') {
            line += '/';
        }
        line += '\n';
        if (!chunk.empty() && chunk.size() + line.size() > chunk_bytes) {
            chunks.push_back(std::move(chunk));
            chunk.clear();
        }
        chunk += line;
    }
    if (!chunk.empty()) {
        chunks.push_back(std::move(chunk));
    }
    return chunks;
}

} // namespace xsime::mock
