// The mailbox the session core works on: org units, users, delivery and scanning.
// Abstract so that the core can run on the real filesystem (FsMailbox) or on a fake.
#pragma once

#include "protocol/messages.hpp"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::mock {

struct MailboxError {
    std::string reason; // for the log: which path, and why it was refused
};

// A refusal of FSTAT, LS or LSR: the TF code (1 access denied, 9 file does not exist, 10
// directory does not exist) and the cause, which names paths as seen from the root.
struct FileFailure {
    int code = 0;
    std::string reason;
};

// FSTAT's answer: `type` is 'F' (regular file), 'D' (folder) or 'U' (anything else).
struct FileStatus {
    char type = 'U';
    std::uint64_t size = 0;
    std::uint64_t atime = 0; // Unix seconds
    std::uint64_t mtime = 0;
};

// One entry of an LS or LSR listing: `name` is relative to the listed folder (LSR:
// "u1/messages/m1"), without a trailing '/'; `type` as in FileStatus.
struct ListEntry {
    char type = 'U';
    std::string name;
    friend bool operator==(const ListEntry&, const ListEntry&) = default;
};

// open_user's checks of the name itself, before any folder is looked at: empty, or longer
// than the spec's 128 bytes.
inline std::optional<MailboxError> check_user_name(std::string_view name) {
    if (name.size() > protocol::max_user_name) {
        return MailboxError{"user: name of " + std::to_string(name.size()) + " bytes, over " +
                            std::to_string(protocol::max_user_name)};
    }
    if (name.empty()) {
        return MailboxError{"user: empty name"};
    }
    return std::nullopt;
}

struct OrgUnitRef {
    std::filesystem::path dir; // canonical, inside the root
};

struct UserRef {
    std::filesystem::path dir;      // canonical, inside the org unit
    std::filesystem::path messages; // dir / "messages"
    std::string name;               // as it appears in pushes and blacklists
};

// One file in a user's messages/ folder.
struct StoredMessage {
    std::string name;            // file name
    std::uint64_t timestamp = 0; // the leading decimal digits of the name
    friend bool operator==(const StoredMessage&, const StoredMessage&) = default;
};

// Order of delivery: oldest timestamp first, then by name (names of one second sort
// in arrival order).
inline bool delivery_order(const StoredMessage& a, const StoredMessage& b) {
    return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.name < b.name;
}

// A message name as scan() returns it: one component, no '/' or NUL, not "." or "..". Names
// come back from callers, who are not trusted to pass one.
inline bool is_plain_file_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

// StoredMessage::timestamp: the name's leading decimal digits, saturated at the maximum.
inline std::uint64_t leading_timestamp(std::string_view name) {
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (const char c : name) {
        if (c < '0' || c > '9') {
            break;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        value = value > (max - digit) / 10 ? max : value * 10 + digit;
    }
    return value;
}

struct DeliveryReport {
    std::size_t delivered = 0;   // recipients whose messages/ now holds the message
    std::size_t blacklisted = 0; // recipients whose blacklist names the sender
    std::size_t missing = 0;     // recipients whose folder does not exist
};

// Opaque per-session memo that lets scan() skip a directory that has not changed.
struct ScanMemo {
    bool valid = false;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
};

class Mailbox {
public:
    virtual ~Mailbox() = default;

    // `path` is relative to the root; a leading '/' names the root itself. Refused when
    // it leaves the root (by '..' or a symlink) or is not an existing directory.
    virtual std::variant<OrgUnitRef, MailboxError> open_org_unit(std::string_view path) = 0;

    // `name` is relative to the org unit and must stay inside it. The user folder must
    // exist; messages/ and messages/blacklist/ are created if missing.
    virtual std::variant<UserRef, MailboxError> open_user(const OrgUnitRef& org,
                                                          std::string_view name) = 0;

    // Writes `content` ("timestamp:sender:text") once and links it into every recipient's
    // messages/ (created if missing), skipping recipients that blacklist `sender` or do not
    // exist. Every recipient is checked first: if any leaves the org unit, nothing is
    // delivered and an error is returned.
    virtual std::variant<DeliveryReport, MailboxError>
    deliver(const OrgUnitRef& org, std::string_view sender, std::span<const std::string> recipients,
            std::uint64_t timestamp, std::string_view content) = 0;

    // The regular files of the user's messages/ whose names start with a decimal
    // timestamp, in delivery_order. std::nullopt when `memo` shows the folder has not
    // changed since the last scan that used it (the memo is updated).
    virtual std::optional<std::vector<StoredMessage>> scan(const UserRef& user, ScanMemo& memo) = 0;

    // The whole content of a message, or std::nullopt if it vanished in between.
    virtual std::optional<std::string> read(const UserRef& user, const StoredMessage& message) = 0;

    // Removes a delivered message (auto delete). A message already gone is not an error.
    virtual void remove(const UserRef& user, const StoredMessage& message) = 0;

    // The TF file commands that prepare fixtures on a server whose folders a harness cannot
    // reach (docs/reference-server.md, "TF file commands"); std::nullopt on success.
    // `path` is as the client sent it: relative to the root and beginning with '/'. It is
    // refused when it does not begin with '/', holds a NUL byte, climbs out of the root
    // with '..', passes through a symlink (only DEL acts on a symlink as the last
    // component, removing the link), or names the root itself or the server's temporary
    // folder. The error's reason goes back to the client, so it gives only the cause and
    // paths as seen from the root, never the server's own paths.

    // MKDIR: one new folder; its parent must exist, and an existing path is an error.
    virtual std::optional<MailboxError> make_folder(std::string_view path) = 0;
    // TOUCH: an empty regular file if missing (its parent must exist), else its mtime is
    // set to now.
    virtual std::optional<MailboxError> touch_file(std::string_view path) = 0;
    // DEL: one file, or a symlink itself; a folder is an error.
    virtual std::optional<MailboxError> delete_file(std::string_view path) = 0;
    // RMDIR: a folder and everything in it; symlinks inside are removed as links, never
    // followed. It stops at the first entry it cannot remove, leaving the rest.
    virtual std::optional<MailboxError> remove_folder(std::string_view path) = 0;

    // The read-only TF commands (docs/reference-server.md, "TF file commands"), on the same
    // jail: `path` begins with '/', which alone names the root (allowed here); '..' that
    // climbs out, a NUL byte, a symlink as any component (the last one too) and the
    // server's temporary folder are refused with code 1.
    // FSTAT: the entry's status; code 9 when it (or a folder on the way) is missing.
    virtual std::variant<FileStatus, FileFailure> file_status(std::string_view path) = 0;
    // LS (`recursive` false) or LSR: the folder's entries sorted by name, LSR's depth first
    // (a folder, then what is in it); symlinks are listed as 'U' and never followed; code
    // 10 when the folder is missing or not a folder.
    virtual std::variant<std::vector<ListEntry>, FileFailure> list_folder(std::string_view path,
                                                                          bool recursive) = 0;
};

} // namespace xsime::mock
