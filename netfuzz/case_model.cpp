// Building valid cases from the XSIME grammar (case_model.hpp).
#include "netfuzz/case_model.hpp"

#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>
#include <array>

namespace xsime::netfuzz {

std::string session_user(std::size_t index) {
    static const std::array<std::string, max_sessions> users{"alice", "bob", "carol", "dave"};
    return users[index % users.size()];
}

std::string wire_bytes(const Message& message, std::string_view org) {
    if (message.org_ref) {
        return protocol::encode_org_unit("/" + std::string(org));
    }
    return message.bytes;
}

Message start_message() {
    return {MessageKind::start, protocol::encode_tf_message(protocol::tf_xsime_start), false, {}};
}

Message setup_message(std::int32_t flags, std::uint64_t timestamp) {
    return {MessageKind::setup, protocol::encode_setup(flags, timestamp), false, {}};
}

Message org_ref_message() {
    return {MessageKind::org_unit, {}, true, {}};
}

Message user_message(std::string_view user) {
    return {MessageKind::user, protocol::encode_user(user), false, {}};
}

Message interval_message(std::uint64_t nanoseconds) {
    return {MessageKind::interval, protocol::encode_interval(nanoseconds), false, {}};
}

Message send_message(std::string_view user, std::string_view text) {
    const std::vector<std::string> to{std::string(user)};
    return {MessageKind::send, protocol::encode_send(to, text), false, std::string(text)};
}

Message exit_message() {
    return {MessageKind::exit, protocol::encode_exit(), false, {}};
}

Message raw_message(std::string bytes) {
    return {MessageKind::raw, std::move(bytes), false, {}};
}

std::size_t open_bytes(std::string_view sent) {
    protocol::TfDecoder tf;
    protocol::StreamDecoder frames(protocol::Direction::to_server);
    bool module = false;
    tf.feed(sent);
    while (true) {
        if (!module) {
            auto r = tf.next();
            if (std::holds_alternative<protocol::NeedMore>(r)) {
                return tf.mid_frame() ? tf.missing() : 0;
            }
            if (std::holds_alternative<protocol::TfError>(r)) {
                return 0;
            }
            if (std::get<std::string>(r) == protocol::tf_xsime_start) {
                module = true;
                frames = protocol::StreamDecoder(protocol::Direction::to_server);
                frames.feed(tf.take_buffered());
            }
            continue;
        }
        auto r = frames.next();
        if (std::holds_alternative<protocol::NeedMore>(r)) {
            return frames.mid_frame() ? frames.missing() : 0;
        }
        if (const auto* e = std::get_if<protocol::ProtocolError>(&r)) {
            if (e->fatal) {
                return 0;
            }
            continue;
        }
        if (std::get<protocol::Frame>(r).header.opcode == protocol::raw(protocol::Opcode::exit)) {
            module = false;
            tf = protocol::TfDecoder();
            tf.feed(frames.take_buffered());
        }
    }
}

std::string closing_padding(std::string_view sent) {
    // Completing a header can open a body (8 bytes for opcodes 4 and 7, or a payload): go on
    // until a boundary. Each round completes a unit or breaks the stream, so this ends.
    std::string stream(sent);
    std::string padding;
    for (auto open = open_bytes(stream); open > 0; open = open_bytes(stream)) {
        padding.append(open, '\x7f');
        stream.append(open, '\x7f');
    }
    return padding + std::string(protocol::header_size, '\x7f');
}

std::size_t max_text(std::string_view user) {
    return static_cast<std::size_t>(protocol::max_payload) - 12 - user.size();
}

namespace {

std::string pick_text(Rng& rng) {
    static const std::array<std::string_view, 5> texts{"hello", "a: b", "x", "hi there",
                                                       "with:colons:inside"};
    return std::string(texts[rng() % texts.size()]);
}

} // namespace

SessionScript valid_session(std::string_view user, Rng& rng) {
    SessionScript session;
    session.user = std::string(user);
    auto& out = session.messages;
    // Flags 0 or 1 only: auto delete would make a re-pushed message's absence ambiguous.
    out.push_back(start_message());
    out.push_back(setup_message(static_cast<std::int32_t>(rng() % 2), 0));
    out.push_back(org_ref_message());
    out.push_back(user_message(user));
    out.push_back(interval_message(1'000'000));
    if (rng() % 4 == 0) { // re-entry: the configuration is remembered
        out.push_back(exit_message());
        out.push_back(start_message());
    }
    const auto sends = rng() % 3;
    for (std::uint64_t i = 0; i < sends; ++i) {
        out.push_back(send_message(user, pick_text(rng)));
    }
    out.push_back(exit_message());
    return session;
}

Case valid_case(Rng& rng) {
    Case fuzz_case;
    const auto count = 1 + rng() % 2;
    for (std::size_t i = 0; i < count; ++i) {
        fuzz_case.sessions.push_back(valid_session(session_user(i), rng));
    }
    fuzz_case.schedule = sequential_schedule(fuzz_case);
    return fuzz_case;
}

std::vector<std::size_t> sequential_schedule(const Case& fuzz_case) {
    std::vector<std::size_t> schedule;
    for (std::size_t s = 0; s < fuzz_case.sessions.size(); ++s) {
        schedule.insert(schedule.end(), fuzz_case.sessions[s].messages.size(), s);
    }
    return schedule;
}

void repair_schedule(Case& fuzz_case) {
    std::vector<std::size_t> seen(fuzz_case.sessions.size(), 0);
    std::vector<std::size_t> kept;
    for (const auto s : fuzz_case.schedule) {
        if (s < seen.size() && seen[s] < fuzz_case.sessions[s].messages.size()) {
            ++seen[s];
            kept.push_back(s);
        }
    }
    for (std::size_t s = 0; s < seen.size(); ++s) {
        kept.insert(kept.end(), fuzz_case.sessions[s].messages.size() - seen[s], s);
    }
    fuzz_case.schedule = std::move(kept);
}

} // namespace xsime::netfuzz
