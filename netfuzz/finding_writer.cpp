// Findings as replayable scenario files (finding_writer.hpp).
#include "netfuzz/finding_writer.hpp"

#include "harness/scenario_layout.hpp"
#include "harness/scenario_runner.hpp"
#include "protocol/byte_order.hpp"
#include "protocol/header.hpp"
#include "protocol/opcode.hpp"

#include <fstream>
#include <map>
#include <set>

namespace xsime::netfuzz {
namespace {

using harness::Json;

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const auto c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ull;
    for (const auto c : text) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    return hash;
}

// A text the loader takes as written: printable ASCII without '$' (which ${} would expand).
bool plain_text(std::string_view text) {
    for (const auto c : text) {
        if (c < 0x20 || c > 0x7e || c == '$') {
            return false;
        }
    }
    return !text.empty();
}

// {"text": ...}, {"text": {"fill", "count"}} or {"text_hex": ...} for a send or an expect.
void put_text(Json& object, std::string_view text) {
    if (text.size() > 64 && text.find_first_not_of(text.front()) == std::string_view::npos &&
        plain_text(text.substr(0, 1))) {
        object["text"] = Json{{"fill", std::string(1, text.front())}, {"count", text.size()}};
    } else if (plain_text(text)) {
        object["text"] = std::string(text);
    } else {
        object["text_hex"] = hex(text);
    }
}

std::uint64_t u64_after_header(std::string_view bytes) {
    return protocol::read_be64(bytes, protocol::header_size);
}

struct Writer {
    const Finding& finding;
    std::string org_name; // what the runner will call this scenario's org unit (its length)
    Json steps = Json::array();

    Json step(const std::string& session, const char* action, Json body, std::string note) {
        Json s = Json::object();
        s["session"] = session;
        s[action] = std::move(body);
        s["note"] = std::move(note);
        return s;
    }

    // One valid message as its steps, with what a correct server answers.
    void valid_message(const std::string& session, const SessionScript& script, const Message& m,
                       bool& entered) {
        switch (m.kind) {
        case MessageKind::start:
            steps.push_back(step(session, entered ? "restart" : "start", Json::object(),
                                 "XSIME_START: the reply must be OK"));
            entered = true;
            return;
        case MessageKind::setup:
            steps.push_back(step(session, "setup",
                                 {{"flags", protocol::decode_header(m.bytes).sz},
                                  {"timestamp", u64_after_header(m.bytes)}},
                                 "opcode 4: no reply is due"));
            return;
        case MessageKind::org_unit:
            steps.push_back(
                step(session, "org_unit", {{"path", "/${org}"}}, "opcode 1: answered 0"));
            return;
        case MessageKind::user:
            steps.push_back(step(session, "user", {{"name", m.bytes.substr(protocol::header_size)}},
                                 "opcode 2: answered 0"));
            return;
        case MessageKind::interval:
            steps.push_back(step(session, "interval", {{"ns", u64_after_header(m.bytes)}},
                                 "opcode 7: no reply is due"));
            return;
        case MessageKind::send: {
            Json send = {{"to", Json::array({script.user})}};
            put_text(send, m.text);
            steps.push_back(step(session, "send", send, "a message to the session's own user"));
            Json expect = {{"opcode", "message"}, {"from", script.user}};
            put_text(expect, m.text);
            expect["within_ms"] = 2000;
            steps.push_back(
                step(session, "expect", expect, "its push, exactly once: timestamp:user:message"));
            return;
        }
        case MessageKind::exit:
            steps.push_back(step(session, "exit", {{"allow_pushes", false}},
                                 "opcode 0: the echo, and no push nobody sent"));
            return;
        case MessageKind::raw:
            return;
        }
    }

    // A run of a mutated session's messages as one write per message (send_chunks).
    void raw_run(const std::string& session, const std::vector<const Message*>& run) {
        Json chunks = Json::array();
        for (const auto* m : run) {
            if (m->org_ref) {
                const auto path = "/" + org_name;
                std::string header =
                    protocol::encode_header({protocol::raw(protocol::Opcode::org_unit),
                                             static_cast<std::int32_t>(path.size())});
                chunks.push_back({{"text", header + "/${org}"}});
            } else if (!m->bytes.empty()) {
                chunks.push_back({{"hex", hex(m->bytes)}});
            }
        }
        const auto note = "fuzzed bytes, " + std::to_string(run.size()) + " message(s)";
        if (chunks.size() == 1) {
            steps.push_back(step(session, "send_raw", chunks.front(), note));
        } else if (chunks.size() > 1) {
            steps.push_back(step(session, "send_chunks", {{"chunks", chunks}}, note));
        }
    }

    void sessions_steps();
    void final_check();
};

void Writer::sessions_steps() {
    const auto& c = finding.fuzz_case;
    std::vector<std::size_t> next(c.sessions.size(), 0);
    std::vector<bool> entered(c.sessions.size(), false);
    for (std::size_t i = 0; i < c.schedule.size();) {
        const auto s = c.schedule[i];
        const auto& script = c.sessions[s];
        const auto name = "s" + std::to_string(s + 1);
        if (script.valid) {
            bool e = entered[s];
            valid_message(name, script, script.messages[next[s]++], e);
            entered[s] = e;
            ++i;
            continue;
        }
        if (next[s] == 0 && script.messages.front().kind == MessageKind::start) {
            steps.push_back(
                step(name, "start", Json::object(), "XSIME_START: the reply must be OK"));
            ++next[s];
            ++i;
            continue;
        }
        std::vector<const Message*> run;
        for (; i < c.schedule.size() && c.schedule[i] == s; ++i) {
            run.push_back(&script.messages[next[s]++]);
        }
        raw_run(name, run);
    }
}

void Writer::final_check() {
    const auto& v = finding.verdict;
    if (v.kind == FindingKind::crash) {
        steps.push_back(
            Json{{"sleep", {{"ms", 300}}}, {"note", "time for a crashing server to die"}});
        steps.push_back(step("probe", "exit", Json::object(),
                             "liveness: the session logged in before still answers"));
    } else if (v.kind == FindingKind::hang) {
        // The fuzzer's own end of a mutated session: padding that completes whatever the
        // bytes left open and then reads as a fatal header, so a correct server closes.
        const auto session = "s" + std::to_string(v.session + 1);
        std::string sent;
        for (const auto& m : finding.fuzz_case.sessions.at(v.session).messages) {
            sent += wire_bytes(m, org_name);
        }
        steps.push_back(step(session, "send_raw",
                             {{"fill", "\x7f"}, {"count", closing_padding(sent).size()}},
                             "0x7f: completes the frame left open, then a fatal header"));
        steps.push_back(step(session, "expect_close", {{"within_ms", 2000}},
                             "the session must still read: a correct server closes"));
    }
}

struct ClauseText {
    const char* id;
    const char* text;
};

constexpr ClauseText requirements[] = {
    {"ROBUST-BAD-FRAME", "A negative or oversized sz, or a frame that cannot be resynchronised, "
                         "closes that session (or is refused), writes nothing partial, and "
                         "leaves every other session untouched."},
    {"START-OK", "XSIME_START indicates to the server that the Instant Message eXtension module "
                 "-now on IME- should be initialized. The return status for this command could "
                 "be: OK"},
    {"ORG-REPLY", "The server only returns a header with the opcode 1 and value of 0 -for "
                  "success- or -1 -for failure- in the sz member."},
    {"USER-REPLY", "The server only returns a header with the opcode 2 and value of 0 -for "
                   "success- or -1 -for failure- in the sz member."},
    {"PUSH-FORMAT", "In this case, the payload will be the message that the server sent. It "
                    "looks like this: timestamp:user:message"},
    {"PUSH-SENDER-TEXT", "The user indicates who sends the message. The message it's the text "
                         "that the user send it."},
    {"DELIVERY-EXACTLY-ONCE", "Each session pushes the messages newer than its timestamp, oldest "
                              "first, each exactly once."},
    {"EXIT-ECHO", "Once the client send it to server, it must continue receiving data -that "
                  "potentially is coming- until receives Opcode 0 from the server."},
};

std::string clause_of(const Finding& f) {
    const auto& v = f.verdict;
    if (v.kind != FindingKind::spec) {
        return "ROBUST-BAD-FRAME";
    }
    const auto cls = v.signature.substr(v.signature.find(':') + 1);
    if (cls == "push-text" || cls == "push-sender") {
        return "PUSH-SENDER-TEXT";
    }
    if (cls == "push-format" || cls == "malformed") {
        return "PUSH-FORMAT";
    }
    const auto& session = f.fuzz_case.sessions.at(v.session);
    switch (session.messages.at(v.message).kind) {
    case MessageKind::start:
        return "START-OK";
    case MessageKind::org_unit:
        return "ORG-REPLY";
    case MessageKind::user:
        return "USER-REPLY";
    case MessageKind::exit:
        return "EXIT-ECHO";
    default:
        return "DELIVERY-EXACTLY-ONCE";
    }
}

} // namespace

std::string finding_id(const Verdict& verdict) {
    char hash[9];
    std::snprintf(hash, sizeof hash, "%08x",
                  static_cast<unsigned>(fnv1a(verdict.signature) & 0xffffffffu));
    return "fuzz." + std::string(kind_name(verdict.kind)) + "-" + hash;
}

Json finding_scenario(const Finding& finding) {
    const auto id = finding_id(finding.verdict);
    Writer writer{finding, harness::make_org_name(id), Json::array()};
    if (finding.verdict.kind == FindingKind::crash) {
        // Logged in first: after a crash its connection is gone (a failed check), where a
        // fresh one would be refused (a harness error, not a verdict).
        writer.steps.push_back(writer.step("probe", "login", {{"user", probe_user}},
                                           "a session that must outlive the fuzzed bytes"));
    }
    writer.sessions_steps();
    writer.final_check();
    const auto clause = clause_of(finding);
    Json relies = Json::array();
    for (const auto& r : requirements) {
        if (r.id != clause && std::string_view(r.id) != "ROBUST-BAD-FRAME" &&
            std::string_view(r.id).starts_with("PUSH") == false &&
            std::string_view(r.id) != "DELIVERY-EXACTLY-ONCE") {
            relies.push_back(r.id);
        }
    }
    std::string requirement;
    for (const auto& r : requirements) {
        if (r.id == clause) {
            requirement = r.text;
        }
    }
    Json users = Json::array();
    Json sessions = Json::array();
    for (std::size_t s = 0; s < finding.fuzz_case.sessions.size(); ++s) {
        users.push_back(finding.fuzz_case.sessions[s].user);
        sessions.push_back("s" + std::to_string(s + 1));
    }
    users.push_back(probe_user);
    if (finding.verdict.kind == FindingKind::crash) {
        sessions.push_back("probe");
    }
    Json out = Json::object();
    out["id"] = id;
    out["name"] = "Network fuzzer finding (" + std::string(kind_name(finding.verdict.kind)) +
                  "): " + finding.verdict.detail;
    out["clauses"] = Json::array({clause});
    out["relies_on"] = relies;
    out["requirement"] = requirement;
    out["level"] = "must";
    out["keywords"] = Json::array({"fuzz", std::string(kind_name(finding.verdict.kind))});
    out["fixture"] = {{"users", users}};
    out["sessions"] = sessions;
    out["steps"] = writer.steps;
    return out;
}

std::variant<WrittenFinding, std::string>
finding_file(const Verdict& verdict, const std::filesystem::path& dir, std::string_view extension) {
    WrittenFinding written;
    written.id = finding_id(verdict);
    const auto folder = dir / "fuzz";
    written.path = folder / (written.id.substr(5) + std::string(extension));
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) {
        return folder.string() + ": " + ec.message();
    }
    written.duplicate = std::filesystem::exists(written.path, ec);
    return written;
}

std::variant<WrittenFinding, std::string> write_finding(const Finding& finding,
                                                        const std::filesystem::path& dir) {
    auto place = finding_file(finding.verdict, dir, ".json");
    auto* found = std::get_if<WrittenFinding>(&place);
    if (found == nullptr || found->duplicate) {
        return place;
    }
    WrittenFinding written = std::move(*found);
    std::ofstream file(written.path, std::ios::binary);
    file << harness::canonical_layout(finding_scenario(finding));
    if (!file.flush()) {
        return written.path.string() + ": cannot write";
    }
    if (!finding.server_stderr.empty()) {
        auto side = written.path;
        side.replace_extension(".stderr.txt");
        std::ofstream(side, std::ios::binary) << finding.server_stderr;
    }
    return written;
}

} // namespace xsime::netfuzz
