// Body-length rules per opcode and direction, and the incremental decoder built on them.
#include "protocol/stream_decoder.hpp"

#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <cstdio>

namespace xsime::protocol {
namespace {

// How many body bytes follow a header, or which error. The error's text is built only when
// the error is returned (error_for): decode_frame is asked again after every read of a partial
// frame, and building the text each time was most of the cost of a byte-by-byte decode.
struct BodyRule {
    std::size_t length = 0;
    std::optional<ErrorKind> error;
    bool fatal = false;
};

BodyRule sized_payload(Header header) {
    if (header.sz < 0) {
        return {0, ErrorKind::negative_size, true};
    }
    if (header.sz > max_payload) {
        return {0, ErrorKind::oversized_payload, true};
    }
    return {static_cast<std::size_t>(header.sz), std::nullopt, false};
}

BodyRule unknown(Header header) {
    // With a sane `sz` the payload can be skipped and the stream stays in sync.
    const auto skip = sized_payload(header);
    return {skip.length, ErrorKind::unknown_opcode, skip.error.has_value()};
}

BodyRule body_rule(Header header, Direction direction) {
    if (!is_known_opcode(header.opcode)) {
        return unknown(header);
    }
    const auto opcode = static_cast<Opcode>(header.opcode);
    if (direction == Direction::to_server) {
        switch (opcode) {
        case Opcode::exit:
            return {};
        case Opcode::setup:    // `sz` holds the flags
        case Opcode::interval: // the reference server reads 8 bytes whatever `sz` says
            return {u64_body_size, std::nullopt, false};
        case Opcode::org_unit:
        case Opcode::user:
        case Opcode::message:
            return sized_payload(header);
        }
    } else {
        switch (opcode) {
        case Opcode::exit:
        case Opcode::org_unit:
        case Opcode::user:
            return {}; // status replies are a header only
        case Opcode::message:
            if (header.sz == status_failed) {
                return {};
            }
            return sized_payload(header);
        case Opcode::setup:
        case Opcode::interval:
            return unknown(header);
        }
    }
    return unknown(header);
}

// The error texts are built into one string reserved up front: an error is built per bad frame,
// and every temporary of a chain of `+` is an allocation (under a fuzzer's ASan, one with a
// stack trace).
constexpr std::size_t reason_capacity = 128;

void append_sz(std::string& out, Header header) {
    out += "sz ";
    out += std::to_string(header.sz);
}

void append_unknown_reason(std::string& out, Header header, Direction direction,
                           const BodyRule& rule) {
    if (is_known_opcode(header.opcode)) {
        out += "opcode ";
        out += describe_opcode(header.opcode);
        out += direction == Direction::to_client ? " is not sent by servers"
                                                 : " is not sent by clients";
    } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", header.opcode);
        out += "unknown opcode ";
        out += hex;
    }
    if (const auto hint = ascii_opcode_hint(header.opcode)) {
        out += " (";
        out += *hint;
        out += ")";
    }
    if (rule.fatal) {
        out += " with unusable ";
        append_sz(out, header);
        out += ": cannot resynchronise";
        return;
    }
    out += "; its ";
    out += std::to_string(rule.length);
    out += "-byte payload was skipped";
}

// The error `rule` names, with its text.
ProtocolError error_for(Header header, Direction direction, const BodyRule& rule) {
    std::string reason;
    reason.reserve(reason_capacity);
    switch (*rule.error) {
    case ErrorKind::negative_size:
        reason += describe_opcode(header.opcode);
        reason += " has negative ";
        append_sz(reason, header);
        reason += " where a payload length is expected";
        break;
    case ErrorKind::oversized_payload:
        reason += describe_opcode(header.opcode);
        reason += " has ";
        append_sz(reason, header);
        reason += ", over the 16384-byte payload limit";
        break;
    case ErrorKind::unknown_opcode:
        append_unknown_reason(reason, header, direction, rule);
        break;
    }
    return ProtocolError{*rule.error, header, rule.fatal, std::move(reason)};
}

} // namespace

DecodeStep decode_frame(std::string_view input, Direction direction) {
    if (input.size() < header_size) {
        return {NeedMore{header_size - input.size()}, 0};
    }
    const Header header = decode_header(input);
    const auto rule = body_rule(header, direction);
    if (rule.error && rule.fatal) {
        return {error_for(header, direction, rule), header_size};
    }
    const std::size_t total = header_size + rule.length;
    if (input.size() < total) {
        return {NeedMore{total - input.size()}, 0};
    }
    if (rule.error) {
        return {error_for(header, direction, rule), total};
    }
    return {Frame{header, std::string(input.substr(header_size, rule.length))}, total};
}

std::size_t StreamDecoder::missing() const {
    if (failed_) {
        return 0;
    }
    if (buffer_.size() < want_) {
        return want_ - buffer_.size();
    }
    // The body rules live in decode_frame only; a complete frame is decoded just to be
    // dropped, at most one 16 KiB payload per call.
    const auto step = decode_frame(buffer_.view(), direction_);
    const auto* need = std::get_if<NeedMore>(&step.result);
    return need != nullptr ? need->missing : 0;
}

DecodeResult StreamDecoder::next() {
    if (failed_) {
        return *failed_;
    }
    if (buffer_.size() < want_) {
        return NeedMore{want_ - buffer_.size()};
    }
    auto step = decode_frame(buffer_.view(), direction_);
    if (const auto* need = std::get_if<NeedMore>(&step.result)) {
        want_ = buffer_.size() + need->missing;
        return std::move(step.result);
    }
    want_ = 0;
    buffer_.consume(step.consumed);
    if (const auto* error = std::get_if<ProtocolError>(&step.result); error && error->fatal) {
        failed_ = *error;
    }
    return std::move(step.result);
}

} // namespace xsime::protocol
