// Following the TF message / XSIME frame structure of a written stream to find its cipher calls.
#include "protocol/tf_call_splitter.hpp"

#include "protocol/header.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <algorithm>

namespace xsime::protocol {

std::size_t TfCallSplitter::head_size() const {
    return layer_ == Layer::tf ? tf_length_size : header_size;
}

std::vector<TfCallSplitter::Piece> TfCallSplitter::split(std::string_view bytes) {
    std::vector<Piece> pieces;
    split(bytes, pieces);
    return pieces;
}

void TfCallSplitter::split(std::string_view bytes, std::vector<Piece>& pieces) {
    pieces.clear();
    while (!bytes.empty()) {
        if (lost_) {
            pieces.push_back({bytes.size(), true});
            break;
        }
        bool starts = false;
        if (call_left_ == 0) {
            starts = true;
            if (stage_ == Stage::head) {
                call_left_ = head_size();
            } else {
                // The head told the body's size; finish_call() moved to Stage::body only when
                // that size is at least one byte.
                call_left_ =
                    layer_ == Layer::tf
                        ? std::get<NeedMore>(decode_tf_message(unit_).result).missing
                        : std::get<NeedMore>(decode_frame(unit_, direction_).result).missing;
            }
        }
        const auto n = std::min(call_left_, bytes.size());
        pieces.push_back({n, starts});
        unit_.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
        call_left_ -= n;
        if (call_left_ == 0) {
            finish_call();
        }
    }
}

void TfCallSplitter::finish_call() {
    if (stage_ == Stage::body) {
        finish_unit();
        return;
    }
    // The head is complete: does a body follow, and is the structure still known?
    if (layer_ == Layer::tf) {
        const auto step = decode_tf_message(unit_);
        if (std::holds_alternative<TfError>(step.result)) {
            lost_ = true;
        } else if (std::holds_alternative<std::string>(step.result)) {
            finish_unit(); // a zero-length message: no body call
        } else {
            stage_ = Stage::body;
        }
        return;
    }
    const auto step = decode_frame(unit_, direction_);
    if (const auto* error = std::get_if<ProtocolError>(&step.result); error && error->fatal) {
        lost_ = true;
    } else if (std::holds_alternative<NeedMore>(step.result)) {
        stage_ = Stage::body;
    } else {
        finish_unit(); // a header with no body (a status, opcode 0, an empty payload)
    }
}

void TfCallSplitter::finish_unit() {
    if (layer_ == Layer::tf) {
        last_tf_message_ = unit_.substr(tf_length_size);
        ++tf_messages_;
        // A client may write frames right behind XSIME_START (the reference server accepts
        // that), so its cuts change as soon as it is written; leave_xsime() undoes it when the
        // server refuses.
        if (direction_ == Direction::to_server && *last_tf_message_ == tf_xsime_start) {
            layer_ = Layer::xsime;
        }
    } else if (decode_header(unit_).opcode == static_cast<std::uint8_t>(Opcode::exit)) {
        // Opcode 0 leaves the module: what follows is TF commands again.
        layer_ = Layer::tf;
    }
    unit_.clear();
    stage_ = Stage::head;
}

bool TfCallSplitter::leave_xsime() {
    if (!at_unit_boundary() || lost_) {
        return false;
    }
    layer_ = Layer::tf;
    return true;
}

bool TfCallSplitter::enter_xsime() {
    if (!at_unit_boundary() || lost_) {
        return false;
    }
    layer_ = Layer::xsime;
    return true;
}

} // namespace xsime::protocol
