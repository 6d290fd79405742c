// Readable descriptions of wire bytes, all decoding done by the protocol codec.
#include "harness/transcript.hpp"

#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>
#include <cstdio>

namespace xsime::harness {

namespace {

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) {
            out += "; ";
        }
        out += part;
    }
    return out;
}

std::string raw_rest(std::string_view bytes) {
    return std::to_string(bytes.size()) + (bytes.size() == 1 ? " byte: " : " bytes: ") +
           quote_bytes(bytes);
}

std::string describe_sent_frame(const protocol::Frame& frame) {
    const auto opcode = frame.header.opcode;
    std::string out = protocol::describe_opcode(opcode);
    switch (static_cast<protocol::Opcode>(opcode)) {
    case protocol::Opcode::setup: {
        out += " flags " + std::to_string(frame.header.sz);
        const auto ts = protocol::parse_u64_body(frame.payload);
        if (const auto* value = std::get_if<std::uint64_t>(&ts)) {
            out += " ts " + std::to_string(*value);
        }
        return out;
    }
    case protocol::Opcode::interval: {
        const auto ns = protocol::parse_u64_body(frame.payload);
        if (const auto* value = std::get_if<std::uint64_t>(&ns)) {
            out += " " + std::to_string(*value) + " ns";
        }
        if (frame.header.sz != static_cast<std::int32_t>(protocol::u64_body_size)) {
            out += " (sz " + std::to_string(frame.header.sz) + ")";
        }
        return out;
    }
    case protocol::Opcode::exit:
        if (frame.header.sz != 0) {
            out += " sz " + std::to_string(frame.header.sz);
        }
        return out;
    case protocol::Opcode::org_unit:
    case protocol::Opcode::user:
    case protocol::Opcode::message:
        return out + " " + quote_bytes(frame.payload);
    }
    return out + " sz " + std::to_string(frame.header.sz) + " " + quote_bytes(frame.payload);
}

// A frame still incomplete at the end of the bytes: its header and how much body came.
std::string describe_partial_frame(std::string_view bytes) {
    if (bytes.size() < protocol::header_size) {
        return raw_rest(bytes);
    }
    const auto header = protocol::decode_header(bytes);
    const auto body = bytes.substr(protocol::header_size);
    std::string out =
        protocol::describe_opcode(header.opcode) + " sz " + std::to_string(header.sz) + " header";
    if (!body.empty()) {
        out += " + " + std::to_string(body.size()) + " body bytes " + quote_bytes(body);
    }
    return out + " (incomplete)";
}

std::string describe_xsime(std::string_view bytes, protocol::Direction direction) {
    std::vector<std::string> parts;
    while (!bytes.empty()) {
        auto step = protocol::decode_frame(bytes, direction);
        if (const auto* frame = std::get_if<protocol::Frame>(&step.result)) {
            parts.push_back(direction == protocol::Direction::to_server
                                ? describe_sent_frame(*frame)
                                : describe_server_frame(*frame));
        } else if (const auto* error = std::get_if<protocol::ProtocolError>(&step.result)) {
            parts.push_back("header " + protocol::describe_opcode(error->header.opcode) + " sz " +
                            std::to_string(error->header.sz) + " (" + error->reason + ")");
        } else {
            parts.push_back(describe_partial_frame(bytes));
            break;
        }
        bytes.remove_prefix(step.consumed);
    }
    return join(parts);
}

std::string describe_tf(std::string_view bytes) {
    std::vector<std::string> parts;
    while (!bytes.empty()) {
        auto step = protocol::decode_tf_message(bytes);
        if (const auto* body = std::get_if<std::string>(&step.result)) {
            parts.push_back("TF " + quote_bytes(*body));
        } else if (const auto* error = std::get_if<protocol::TfError>(&step.result)) {
            parts.push_back("TF " + error->reason);
        } else {
            parts.push_back(raw_rest(bytes) + " (incomplete TF message)");
            break;
        }
        bytes.remove_prefix(step.consumed);
    }
    return join(parts);
}

} // namespace

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    return text;
}

std::string quote_bytes(std::string_view bytes, std::size_t limit) {
    std::string out = "'";
    const auto shown = bytes.substr(0, limit);
    for (const char c : shown) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\' || c == '\'') {
            out += '\\';
            out += c;
        } else if (byte >= 0x20 && byte < 0x7f) {
            out += c;
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", byte);
            out += hex;
        }
    }
    out += '\'';
    if (shown.size() < bytes.size()) {
        out += "... (" + std::to_string(bytes.size()) + " bytes)";
    }
    return out;
}

std::string describe_client_bytes(std::string_view bytes, Layer layer) {
    if (bytes.empty()) {
        return "0 bytes";
    }
    return layer == Layer::tf ? describe_tf(bytes)
                              : describe_xsime(bytes, protocol::Direction::to_server);
}

std::string describe_server_bytes(std::string_view bytes, Layer layer) {
    if (bytes.empty()) {
        return "0 bytes";
    }
    return layer == Layer::tf ? describe_tf(bytes)
                              : describe_xsime(bytes, protocol::Direction::to_client);
}

std::string describe_client_frame(const protocol::Frame& frame) {
    return describe_sent_frame(frame);
}

std::string describe_server_frame(const protocol::Frame& frame) {
    const auto opcode = frame.header.opcode;
    const auto sz = std::to_string(frame.header.sz);
    const std::string name = protocol::describe_opcode(opcode);
    if (opcode == protocol::raw(protocol::Opcode::message) && frame.header.sz >= 0) {
        if (std::holds_alternative<protocol::Push>(protocol::parse_push(frame.payload))) {
            // A push's payload is text by definition; quote only what is not printable.
            const auto quoted = quote_bytes(frame.payload, 200);
            const bool plain = quoted.size() == frame.payload.size() + 2;
            return "push " + (plain ? std::string(frame.payload) : quoted);
        }
        return name + " sz " + sz + " " + quote_bytes(frame.payload) + " (not timestamp:user:text)";
    }
    if (frame.payload.empty() && opcode != protocol::raw(protocol::Opcode::exit)) {
        return name + " status " + sz;
    }
    if (frame.payload.empty()) {
        return name + " sz " + sz;
    }
    return name + " sz " + sz + " " + quote_bytes(frame.payload);
}

std::string describe_protocol_error(const protocol::ProtocolError& error) {
    return "protocol error: " + error.reason;
}

std::string describe_tf_reply(std::string_view body) {
    return "TF " + quote_bytes(body);
}

std::string frame_bytes(const protocol::Frame& frame) {
    std::string out = protocol::encode_header(frame.header);
    out += frame.payload;
    return out;
}

void TranscriptRecorder::add(std::string_view session, TranscriptEntry::Kind kind,
                             std::string bytes, std::string decoded) {
    const auto offset = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start_);
    entries_.push_back(
        TranscriptEntry{offset, std::string(session), kind, std::move(bytes), std::move(decoded)});
}

} // namespace xsime::harness
