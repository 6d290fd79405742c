// The harness as the XSIME server a client under test connects to: it listens on 127.0.0.1,
// and each connect() accepts the client's next connection (plain, or tf with the server side
// of the handshake), giving the runner the same Connection interface it uses for servers.
#pragma once

#include "harness/tf_server_connection.hpp"
#include "harness/transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace xsime::harness {

class ClientListener final : public Transport {
public:
    // Listens on 127.0.0.1 on an ephemeral port; with `tf`, accepted clients must complete
    // the TF handshake with that role.
    static std::variant<std::unique_ptr<ClientListener>, TransportError>
    open(std::optional<TfServerRole> tf);

    // A fresh key pair, a random hash and version "0.0". Key generation takes 50-200 ms, so
    // the first call makes the role and every later call of the run shares it. Throws
    // std::runtime_error when OpenSSL cannot make a key (nothing here can do without it).
    static std::shared_ptr<const TfServerRole> make_tf_server_role();

    std::uint16_t port() const { return port_; }

    // Accepts the client's next connection within `timeout` (a timeout says "the client did
    // not connect within N ms"); over tf the handshake must complete within the same timeout.
    std::variant<std::unique_ptr<Connection>, TransportError> connect(Deadline timeout) override;
    // "plain, the harness as server on 127.0.0.1:40711"
    std::string describe() const override;

private:
    ClientListener() : acceptor_(io_) {}

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::shared_ptr<const protocol::TfServerSettings> tf_; // null for plain
};

} // namespace xsime::harness
