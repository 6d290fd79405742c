// The archive of a bundle (bundle_archive.hpp), with libarchive.
#include "cli/bundle_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <memory>

namespace xsime::cli {

namespace {

struct WriteFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct ReadFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

std::string reason(archive* a) {
    const char* text = archive_error_string(a);
    return text != nullptr ? text : "unknown libarchive error";
}

la_ssize_t append(archive*, void* client, const void* buffer, size_t size) {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
}

std::string without_dot_slash(std::string path) {
    while (path.rfind("./", 0) == 0) {
        path.erase(0, 2);
    }
    return path;
}

} // namespace

std::variant<std::string, ArchiveError> make_tar_gz(const std::vector<ArchiveMember>& members,
                                                    std::time_t mtime) {
    std::unique_ptr<archive, WriteFree> a(archive_write_new());
    std::string out;
    // pax_restricted: plain ustar unless a long or non-ASCII path needs a pax header. No gzip
    // timestamp, so that the archive depends on its content and `mtime` only.
    if (!a || archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
        archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
        archive_write_set_options(a.get(), "gzip:!timestamp") != ARCHIVE_OK ||
        archive_write_open(a.get(), &out, nullptr, append, nullptr) != ARCHIVE_OK) {
        return ArchiveError{"cannot start the archive: " + reason(a.get())};
    }
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    for (const ArchiveMember& member : members) {
        archive_entry_clear(entry.get());
        archive_entry_copy_pathname(entry.get(), member.path.c_str());
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.bytes.size()));
        archive_entry_set_mtime(entry.get(), mtime, 0);
        if (archive_write_header(a.get(), entry.get()) < ARCHIVE_WARN ||
            archive_write_data(a.get(), member.bytes.data(), member.bytes.size()) < 0) {
            return ArchiveError{"cannot add '" + member.path + "': " + reason(a.get())};
        }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
        return ArchiveError{"cannot finish the archive: " + reason(a.get())};
    }
    return out;
}

std::variant<std::vector<ArchiveMember>, ArchiveError> read_tar_gz(const std::string& path,
                                                                   std::size_t max_bytes) {
    std::unique_ptr<archive, ReadFree> a(archive_read_new());
    if (!a || archive_read_support_filter_gzip(a.get()) != ARCHIVE_OK ||
        archive_read_support_format_tar(a.get()) != ARCHIVE_OK ||
        archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
        return ArchiveError{reason(a.get())};
    }
    std::vector<ArchiveMember> members;
    std::size_t total = 0;
    archive_entry* entry = nullptr;
    int status = ARCHIVE_OK;
    // ARCHIVE_WARN (an odd header field) still gives an entry; ARCHIVE_EOF ends the loop.
    while ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK ||
           status == ARCHIVE_WARN) {
        const auto type = archive_entry_filetype(entry);
        if (type == AE_IFDIR) {
            continue;
        }
        const char* name = archive_entry_pathname(entry);
        ArchiveMember member{without_dot_slash(name != nullptr ? name : ""), "", type == AE_IFREG};
        char buffer[1 << 16];
        la_ssize_t got = 0;
        while (member.regular && (got = archive_read_data(a.get(), buffer, sizeof buffer)) > 0) {
            total += static_cast<std::size_t>(got);
            if (total > max_bytes) {
                return ArchiveError{"it unpacks to more than " + std::to_string(max_bytes) +
                                    " bytes; a bundle is far smaller"};
            }
            member.bytes.append(buffer, static_cast<std::size_t>(got));
        }
        if (got < 0) {
            return ArchiveError{"cannot read '" + member.path + "': " + reason(a.get())};
        }
        members.push_back(std::move(member));
    }
    if (status != ARCHIVE_EOF) {
        return ArchiveError{reason(a.get())};
    }
    return members;
}

} // namespace xsime::cli
