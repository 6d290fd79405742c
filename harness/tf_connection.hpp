// The tf transport: the TF PROTOCOL handshake (version, RSA-OAEP session key, hash), then every
// byte in both directions through the session cipher, cut into the calls real peers make.
#pragma once

#include "harness/socket_stream.hpp"
#include "harness/transport.hpp"
#include "protocol/byte_queue.hpp"
#include "protocol/tf_call_splitter.hpp"
#include "protocol/tf_cipher.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace xsime::harness {

struct TfSettings {
    std::string public_key_pem;   // the server's RSA-2048 public key ("BEGIN PUBLIC KEY")
    std::string hash;             // the server's hash string, sent as the handshake's 3rd step
    std::string protocol_version; // sent first, in clear, e.g. "0.0"
    // "a random session key of 16 to 214 bytes"; a fresh one per connection.
    std::size_t session_key_size = 32;
};

class TfConnection final : public Connection {
public:
    // Connects and runs the handshake within `timeout`. A refusal or a silence at any step is
    // a TransportError of kind `handshake` naming the step and quoting the server's reply.
    static std::variant<std::unique_ptr<TfConnection>, TransportError>
    connect(const std::string& host, std::uint16_t port, const TfSettings& settings,
            Deadline timeout);

    // `bytes` are ciphered in the calls the TF message / XSIME frame structure gives (see
    // protocol::TfCallSplitter) and written as one TCP write, so a caller that splits a frame
    // across sends tests the peer's reassembly of cipher chunks across segments.
    std::variant<std::monostate, TransportError> send(std::string_view bytes,
                                                      Deadline timeout) override;
    std::variant<std::string, TransportError> receive_tf(Deadline timeout) override;
    std::variant<protocol::Frame, protocol::ProtocolError, TransportError>
    receive_frame(Deadline timeout) override;
    bool wait_closed(Deadline timeout) override;
    void close() override;
    std::size_t buffered() const override { return in_.buffered() + plain_.size(); }

private:
    TfConnection(std::unique_ptr<SocketStream> stream, std::string_view session_key);
    std::variant<std::monostate, TransportError> read_more(SocketStream::TimePoint deadline);

    std::unique_ptr<SocketStream> stream_;
    protocol::TfCipher out_;
    protocol::TfCipherReceiver in_;
    protocol::TfCallSplitter splitter_{protocol::Direction::to_server};
    std::uint64_t messages_seen_ = 0;
    bool start_pending_ = false; // XSIME_START sent, its reply not read yet
    protocol::ByteQueue plain_;  // unpacked calls of the frame being read (whole calls only)
};

class TfTransport final : public Transport {
public:
    TfTransport(std::string host, std::uint16_t port, TfSettings settings)
        : host_(std::move(host)), port_(port), settings_(std::move(settings)) {}
    std::variant<std::unique_ptr<Connection>, TransportError> connect(Deadline timeout) override;
    std::string describe() const override;

private:
    std::string host_;
    std::uint16_t port_;
    TfSettings settings_;
};

} // namespace xsime::harness
