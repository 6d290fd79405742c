// Listening on loopback, accepting with a deadline, and the shared TF server role.
#include "harness/client_listener.hpp"

#include "harness/plain_connection.hpp"
#include "protocol/tf_rsa.hpp"

#include <algorithm>
#include <stdexcept>

namespace xsime::harness {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::string_view listen_host = "127.0.0.1";

// Any string serves as the hash; a random one keeps the roles of two runs apart.
std::string printable_hash(std::string_view random) {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    std::string hash;
    for (const char c : random) {
        hash.push_back(alphabet[static_cast<unsigned char>(c) % alphabet.size()]);
    }
    return hash;
}

TfServerRole generate_role() {
    auto pair = protocol::generate_tf_key_pair();
    if (auto* error = std::get_if<protocol::TfRsaError>(&pair)) {
        throw std::runtime_error("cannot make the harness's TF key pair: " + error->reason);
    }
    auto random = protocol::random_session_key(32);
    if (auto* error = std::get_if<protocol::TfRsaError>(&random)) {
        throw std::runtime_error("cannot make the harness's TF hash: " + error->reason);
    }
    auto& keys = std::get<protocol::TfKeyPair>(pair);
    return TfServerRole{std::move(keys.private_pem), std::move(keys.public_pem),
                        printable_hash(std::get<std::string>(random)), "0.0"};
}

} // namespace

std::shared_ptr<const TfServerRole> ClientListener::make_tf_server_role() {
    // A throwing initialisation is retried by the next call.
    static const auto role = std::make_shared<const TfServerRole>(generate_role());
    return role;
}

std::variant<std::unique_ptr<ClientListener>, TransportError>
ClientListener::open(std::optional<TfServerRole> tf) {
    std::unique_ptr<ClientListener> listener(new ClientListener());
    boost::system::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address(std::string(listen_host)), 0);
    auto& acceptor = listener->acceptor_;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (!ec) {
        listener->port_ = acceptor.local_endpoint(ec).port();
    }
    if (ec) {
        return TransportError{TransportError::Kind::other,
                              "cannot listen on " + std::string(listen_host) + ": " + ec.message()};
    }
    if (tf) {
        protocol::TfServerSettings settings{std::move(tf->private_key_pem), std::move(tf->hash),
                                            std::move(tf->protocol_version)};
        settings.parse_private_key(); // once, not at every client's key message
        listener->tf_ = std::make_shared<const protocol::TfServerSettings>(std::move(settings));
    }
    return listener;
}

std::variant<std::unique_ptr<Connection>, TransportError>
ClientListener::connect(Deadline timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto accepted = SocketStream::accept(acceptor_, timeout);
    if (auto* error = std::get_if<TransportError>(&accepted)) {
        if (error->kind == TransportError::Kind::timeout) {
            error->message =
                "the client did not connect within " + std::to_string(timeout.count()) + " ms";
        }
        return *error;
    }
    auto stream = std::move(std::get<std::unique_ptr<SocketStream>>(accepted));
    if (!tf_) {
        return std::unique_ptr<Connection>(PlainConnection::adopt(std::move(stream)));
    }
    const auto left =
        std::chrono::duration_cast<Deadline>(deadline - std::chrono::steady_clock::now());
    auto connection =
        TfServerConnection::accept(std::move(stream), tf_, std::max(left, Deadline(0)));
    if (auto* error = std::get_if<TransportError>(&connection)) {
        return *error;
    }
    return std::unique_ptr<Connection>(
        std::move(std::get<std::unique_ptr<TfServerConnection>>(connection)));
}

std::string ClientListener::describe() const {
    return std::string(tf_ ? "tf" : "plain") + ", the harness as server on " +
           std::string(listen_host) + ":" + std::to_string(port_);
}

} // namespace xsime::harness
