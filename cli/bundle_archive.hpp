// The archive of a `run --bundle`: a gzip-compressed POSIX tar made and read in memory with
// libarchive. Only regular files; every member 0644, owned by uid/gid 0, stamped with one
// time, so the same content makes the same archive.
#pragma once

#include <ctime>
#include <string>
#include <variant>
#include <vector>

namespace xsime::cli {

struct ArchiveMember {
    std::string path;
    std::string bytes;
    bool regular = true; // false when read: a link, device or other non-file entry
};

struct ArchiveError {
    std::string message; // libarchive's reason
};

// The .tar.gz bytes holding `members` in their order.
std::variant<std::string, ArchiveError> make_tar_gz(const std::vector<ArchiveMember>& members,
                                                    std::time_t mtime);

// Every entry of the tar (gzip-compressed or not) at `path`, in archive order; a leading "./"
// is dropped and folders are skipped, so a bundle unpacked and packed again by hand still
// reads. Refuses a file that is not a tar, is cut short, or unpacks to more than
// `max_bytes` (a bundle is a few megabytes; this bounds what a hostile file can make us hold).
std::variant<std::vector<ArchiveMember>, ArchiveError>
read_tar_gz(const std::string& path, std::size_t max_bytes = std::size_t{1} << 30);

} // namespace xsime::cli
