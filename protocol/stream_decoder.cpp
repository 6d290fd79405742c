// Body-length rules per opcode and direction, and the incremental decoder built on them.
#include "protocol/stream_decoder.hpp"

#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <cstdio>

namespace xsime::protocol {
namespace {

// How many body bytes follow a header, or an error.
struct BodyRule {
    std::size_t length = 0;
    std::optional<ProtocolError> error;
};

ProtocolError make_error(ErrorKind kind, Header header, bool fatal, std::string reason) {
    return ProtocolError{kind, header, fatal, std::move(reason)};
}

std::string sz_text(Header header) {
    return "sz " + std::to_string(header.sz);
}

BodyRule sized_payload(Header header) {
    if (header.sz < 0) {
        return {0, make_error(ErrorKind::negative_size, header, true,
                              describe_opcode(header.opcode) + " has negative " + sz_text(header) +
                                  " where a payload length is expected")};
    }
    if (header.sz > max_payload) {
        return {0, make_error(ErrorKind::oversized_payload, header, true,
                              describe_opcode(header.opcode) + " has " + sz_text(header) +
                                  ", over the 16384-byte payload limit")};
    }
    return {static_cast<std::size_t>(header.sz), std::nullopt};
}

BodyRule unknown(Header header, Direction direction) {
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
    // With a sane `sz` the payload can be skipped and the stream stays in sync.
    auto skip = sized_payload(header);
    if (skip.error) {
        return {0,
                make_error(ErrorKind::unknown_opcode, header, true,
                           what + " with unusable " + sz_text(header) + ": cannot resynchronise")};
    }
    return {skip.length, make_error(ErrorKind::unknown_opcode, header, false,
                                    what + "; its " + std::to_string(skip.length) +
                                        "-byte payload was skipped")};
}

BodyRule body_rule(Header header, Direction direction) {
    if (!is_known_opcode(header.opcode)) {
        return unknown(header, direction);
    }
    const auto opcode = static_cast<Opcode>(header.opcode);
    if (direction == Direction::to_server) {
        switch (opcode) {
        case Opcode::exit:
            return {0, std::nullopt};
        case Opcode::setup:    // `sz` holds the flags
        case Opcode::interval: // the reference server reads 8 bytes whatever `sz` says
            return {u64_body_size, std::nullopt};
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
            return {0, std::nullopt}; // status replies are a header only
        case Opcode::message:
            if (header.sz == status_failed) {
                return {0, std::nullopt};
            }
            return sized_payload(header);
        case Opcode::setup:
        case Opcode::interval:
            return unknown(header, direction);
        }
    }
    return unknown(header, direction);
}

} // namespace

DecodeStep decode_frame(std::string_view input, Direction direction) {
    if (input.size() < header_size) {
        return {NeedMore{header_size - input.size()}, 0};
    }
    const Header header = decode_header(input);
    auto rule = body_rule(header, direction);
    if (rule.error && rule.error->fatal) {
        return {std::move(*rule.error), header_size};
    }
    const std::size_t total = header_size + rule.length;
    if (input.size() < total) {
        return {NeedMore{total - input.size()}, 0};
    }
    if (rule.error) {
        return {std::move(*rule.error), total};
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
