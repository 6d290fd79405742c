// The TF command level's file commands in the session core: MKDIR, TOUCH, DEL, RMDIR, and the
// read-only FSTAT, LS, LSR (a listing paced by the client's CONT/BREAK) and DATE.
#include "mock_server/session_core.hpp"
#include "mock_server/tf_replies.hpp"
#include "protocol/tf_framing.hpp"

#include <optional>
#include <string_view>

namespace xsime::mock {

namespace {

// The TF file commands (docs/reference-server.md, "TF file commands") and their failure
// reply's first word.
constexpr std::string_view tf_mkdir = "MKDIR";
constexpr std::string_view tf_touch = "TOUCH";
constexpr std::string_view tf_del = "DEL";
constexpr std::string_view tf_rmdir = "RMDIR";
constexpr std::string_view tf_failed = "FAILED";
// The read-only ones, and a listing's chunk answers.
constexpr std::string_view tf_fstat = "FSTAT";
constexpr std::string_view tf_ls = "LS";
constexpr std::string_view tf_lsr = "LSR";
constexpr std::string_view tf_date = "DATE";
constexpr std::string_view tf_cont = "CONT";
constexpr std::string_view tf_break = "BREAK";

// "WORD <path>": exactly one space after the word, and the path is all the rest, so that it
// may hold spaces. No path (or an empty one) is std::nullopt.
struct PathCommand {
    std::string_view word;
    std::optional<std::string_view> path;
};

PathCommand split(std::string_view command) {
    const auto space = command.find(' ');
    if (space == std::string_view::npos || space + 1 == command.size()) {
        return {command.substr(0, space), std::nullopt};
    }
    return {command.substr(0, space), command.substr(space + 1)};
}

} // namespace

// "MKDIR <path>" and the other changing commands. The Mailbox checks the path; its reasons
// name no server path.
bool SessionCore::handle_file_command(std::string_view command, CoreOutput& out) {
    const auto [word, path] = split(command);
    using Operation = std::optional<MailboxError> (Mailbox::*)(std::string_view);
    Operation operation = nullptr;
    if (word == tf_mkdir) {
        operation = &Mailbox::make_folder;
    } else if (word == tf_touch) {
        operation = &Mailbox::touch_file;
    } else if (word == tf_del) {
        operation = &Mailbox::delete_file;
    } else if (word == tf_rmdir) {
        operation = &Mailbox::remove_folder;
    } else {
        return false;
    }
    const std::string what = std::string(word);
    if (!path) {
        log_("TF " + what + " refused: missing path");
        append_tf(out, std::string(tf_failed) + " " + what + ": missing path");
        return true;
    }
    const std::string subject = what + " " + printable(*path);
    if (const auto error = (mailbox_.*operation)(*path)) {
        const std::string reason = printable(error->reason);
        log_("TF " + subject + " refused: " + reason);
        append_tf(out, std::string(tf_failed) + " " + subject + ": " + reason);
    } else {
        log_("TF " + subject + ": done");
        append_tf(out, protocol::tf_ok);
    }
    return true;
}

// "FSTAT <path>", "LS <path>", "LSR <path>" (the path as for the file commands) and
// "DATE". The Mailbox reads the disk; the core only answers and paces the listing.
bool SessionCore::handle_read_command(std::string_view command, CoreOutput& out) {
    if (command == tf_date) {
        append_tf(out, std::string(protocol::tf_ok) + " " + std::to_string(clock_()));
        return true;
    }
    const auto [word, path] = split(command);
    if (word != tf_fstat && word != tf_ls && word != tf_lsr) {
        return false;
    }
    const std::string what = std::string(word);
    if (!path) {
        log_("TF " + what + " refused: missing path");
        append_tf(out, failure_reply({16, what + " needs a path"}));
        return true;
    }
    const std::string subject = what + " " + printable(*path);
    if (word == tf_fstat) {
        auto status = mailbox_.file_status(*path);
        if (const auto* failure = std::get_if<FileFailure>(&status)) {
            log_("TF " + subject + " refused: " + printable(failure->reason));
            append_tf(out, failure_reply(*failure));
        } else {
            log_("TF " + subject + ": done");
            append_tf(out, fstat_reply(std::get<FileStatus>(status)));
        }
        return true;
    }
    auto listing = mailbox_.list_folder(*path, word == tf_lsr);
    if (const auto* failure = std::get_if<FileFailure>(&listing)) {
        log_("TF " + subject + " refused: " + printable(failure->reason));
        append_tf(out, failure_reply(*failure));
        return true;
    }
    const auto& entries = std::get<std::vector<ListEntry>>(listing);
    log_("TF " + subject + ": " + std::to_string(entries.size()) + " entries");
    listing_chunks_ = listing_chunks(entries);
    send_listing_chunk(out);
    return true;
}

void SessionCore::send_listing_chunk(CoreOutput& out) {
    if (listing_chunks_.empty()) {
        listing_ = false;
        append_tf(out, protocol::tf_ok);
        return;
    }
    listing_ = true;
    append_tf(out, std::string(tf_cont) + " " + listing_chunks_.front());
    listing_chunks_.pop_front();
}

void SessionCore::continue_listing(std::string_view answer, CoreOutput& out) {
    if (answer == tf_cont) {
        send_listing_chunk(out);
        return;
    }
    listing_ = false;
    listing_chunks_.clear();
    if (answer == tf_break) {
        append_tf(out, protocol::tf_ok);
        return;
    }
    close(out, "client answered a listing chunk with " + printable(answer) +
                   " (expected CONT or BREAK)");
}

} // namespace xsime::mock
