// The planted bugs of the session core (faults.hpp, "Planted bugs"), test-only: rare inputs for
// the network fuzzer to find. Kept apart so that the core's real rules read without them.
#include "mock_server/fs_paths.hpp"
#include "mock_server/session_core.hpp"

#include <cstdlib>
#include <filesystem>

namespace xsime::mock {

using protocol::Frame;
using protocol::Opcode;

namespace {

// PLANTED (Fault::planted_escape): `name` taken from the root instead of the org unit, the way
// a server that hands every client path to one root-relative resolver would; the folder it
// names gets the messages/ and messages/blacklist/ that opcode 2 creates. Only on a real
// filesystem: a memory mailbox's root is no folder on disk.
void escape_to_root(Mailbox& mailbox, std::string_view name, const SessionCore::Logger& log) {
    auto root = mailbox.open_org_unit("/");
    const auto* ref = std::get_if<OrgUnitRef>(&root);
    const auto rel = name.find('\0') == std::string_view::npos ? normalise(name) : std::nullopt;
    std::error_code ec;
    if (!ref || !rel || !std::filesystem::is_directory(ref->dir / *rel, ec)) {
        return;
    }
    std::filesystem::create_directories(ref->dir / *rel / "messages" / "blacklist", ec);
    log("planted_escape: made messages/ in '/" + *rel + "' below the root");
}

} // namespace

// The planted bugs (faults.hpp), test-only: rare inputs for the network fuzzer to find.
void SessionCore::plant_bugs(const Frame& frame) {
    const auto opcode = static_cast<Opcode>(frame.header.opcode);
    if (fault(Fault::planted_crash) && opcode == Opcode::message && frame.payload.empty() &&
        last_opcode_ == protocol::raw(Opcode::interval)) {
        std::abort(); // PLANTED: a crash
    }
    if (fault(Fault::planted_hang) && opcode == Opcode::setup && frame.header.sz == -1) {
        log_("planted_hang: no longer reading");
        stalled_ = true; // PLANTED: stops reading, the connection stays open
    }
    if (fault(Fault::planted_escape) && opcode == Opcode::user && frame.payload.starts_with('/')) {
        escape_to_root(mailbox_, frame.payload, log_);
    }
    last_opcode_ = frame.header.opcode;
}

} // namespace xsime::mock
