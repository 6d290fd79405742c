// What every transport shares: TF commands over a connection, error descriptions.
#include "harness/transport.hpp"

#include "protocol/tf_framing.hpp"

namespace xsime::harness {

std::string describe(const TransportError& error) {
    return error.message;
}

std::variant<std::string, TransportError> Connection::command(std::string_view text,
                                                              Deadline timeout) {
    // Length and body go as two units: over `tf` they are two cipher calls.
    const auto message = protocol::encode_tf_message(text);
    const std::string_view whole(message);
    for (const auto part :
         {whole.substr(0, protocol::tf_length_size), whole.substr(protocol::tf_length_size)}) {
        auto sent = send(part, timeout);
        if (auto* error = std::get_if<TransportError>(&sent)) {
            return *error;
        }
    }
    return receive_tf(timeout);
}

} // namespace xsime::harness
