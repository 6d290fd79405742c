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

std::string sz_text(Header header) {
    return "sz " + std::to_string(header.sz);
}

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

std::string unknown_reason(Header header, Direction direction, const BodyRule& rule) {
    std::string what;
    if (is_known_opcode(header.opcode)) {
        what = "opcode " + describe_opcode(header.opcode) +
               (direction == Direction::to_client ? " is not sent by servers"
                                                  : " is not sent by clients");
    } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", header.opcode);
        what = std::string("unknown opcode ") + hex;
    }
    if (const auto hint = ascii_opcode_hint(header.opcode)) {
        what += " (" + *hint + ")";
    }
    if (rule.fatal) {
        return what + " with unusable " + sz_text(header) + ": cannot resynchronise";
    }
    return what + "; its " + std::to_string(rule.length) + "-byte payload was skipped";
}

// The error `rule` names, with its text.
ProtocolError error_for(Header header, Direction direction, const BodyRule& rule) {
    std::string reason;
    switch (*rule.error) {
    case ErrorKind::negative_size:
        reason = describe_opcode(header.opcode) + " has negative " + sz_text(header) +
                 " where a payload length is expected";
        break;
    case ErrorKind::oversized_payload:
        reason = describe_opcode(header.opcode) + " has " + sz_text(header) +
                 ", over the 16384-byte payload limit";
        break;
    case ErrorKind::unknown_opcode:
        reason = unknown_reason(header, direction, rule);
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
    auto step = decode_frame(buffer_.view(), direction_);
    buffer_.consume(step.consumed);
    if (const auto* error = std::get_if<ProtocolError>(&step.result); error && error->fatal) {
        failed_ = *error;
    }
    return std::move(step.result);
}

} // namespace xsime::protocol
