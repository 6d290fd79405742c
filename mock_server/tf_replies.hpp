// The replies of the TF file commands as text (no I/O): FSTAT, LS, LSR, DATE, failures, and
// the client's paths shown in them.
#pragma once

#include "mock_server/mailbox.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::mock {

// A listing's chunks hold whole entries, up to this many bytes of data each (one longer
// entry is a chunk of its own).
inline constexpr std::size_t listing_chunk_bytes = 4096;

// A client's path or a reason in a reply or a log line: it may hold any byte, and a reply
// must stay within the 64 KiB a TF peer accepts. Control bytes and '\' are escaped (\x0a,
// \\, so the text is one unambiguous line), and the text is cut after `limit` bytes ("...").
std::string printable(std::string_view text, std::size_t limit = 1024);

// "OK F 12 1796049383 1796049383": type, size, atime, mtime.
std::string fstat_reply(const FileStatus& status);
// "FAILED 10 : Directory does not exist. ('/org/none' does not exist)": the code, the
// TF text for it, and the cause in brackets (control bytes and '\' escaped).
std::string failure_reply(const FileFailure& failure);
// The data of a listing cut into chunks: one line per entry, "F: name", "D: name/" or
// "U: name", control bytes and '\' in names escaped (\x0a, \\) so an entry stays one line.
// Empty for an empty listing.
std::deque<std::string> listing_chunks(const std::vector<ListEntry>& entries,
                                       std::size_t chunk_bytes = listing_chunk_bytes);

} // namespace xsime::mock
