// Connection set-up cost of the tf transport against plain: a full TF handshake (version, RSA-
// OAEP session key, ciphered hash) with the reference server in-process on loopback, a plain
// TCP connect for comparison, and the RSA steps alone (client encrypt, server decrypt).
#include "harness/plain_connection.hpp"
#include "harness/tf_connection.hpp"
#include "mock_server/server.hpp"
#include "protocol/tf_rsa.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace protocol = xsime::protocol;
namespace harness = xsime::harness;
namespace mock = xsime::mock;

const protocol::TfKeyPair& key_pair() {
    static const protocol::TfKeyPair pair = [] {
        auto result = protocol::generate_tf_key_pair();
        if (auto* error = std::get_if<protocol::TfRsaError>(&result)) {
            throw std::runtime_error(error->reason);
        }
        return std::get<protocol::TfKeyPair>(result);
    }();
    return pair;
}

// The reference server on a temporary root, plain or tf, on its own I/O thread.
class BenchServer {
public:
    explicit BenchServer(bool tf)
        : root_(fs::temp_directory_path() /
                ("xsime-handshake-bench-" + std::to_string(::getpid()) + (tf ? "-tf" : "-plain"))) {
        fs::create_directories(root_);
        mock::ServerConfig config;
        config.root = root_;
        if (tf) {
            config.tf = mock::TfServerSettings{key_pair().private_pem, "bench-hash", "0.0"};
        }
        server_ = std::make_unique<mock::Server>(io_, config);
        port_ = server_->local_endpoint().port();
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~BenchServer() {
        server_->stop();
        io_.stop();
        thread_.join();
        server_.reset();
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    std::uint16_t port() const { return port_; }

private:
    fs::path root_;
    boost::asio::io_context io_;
    std::unique_ptr<mock::Server> server_;
    std::thread thread_;
    std::uint16_t port_ = 0;
};

void BM_PlainConnect(benchmark::State& state) {
    BenchServer server(false);
    for (auto _ : state) {
        auto connection = harness::PlainConnection::connect("127.0.0.1", server.port(), 5s);
        if (std::holds_alternative<harness::TransportError>(connection)) {
            state.SkipWithError(std::get<harness::TransportError>(connection).message.c_str());
            break;
        }
        std::get<std::unique_ptr<harness::PlainConnection>>(connection)->close();
    }
}
BENCHMARK(BM_PlainConnect)->Unit(benchmark::kMicrosecond)->UseRealTime();

// range(0): session key size (16 and 214 are the protocol's bounds).
void BM_TfHandshake(benchmark::State& state) {
    BenchServer server(true);
    harness::TfSettings settings;
    settings.public_key_pem = key_pair().public_pem;
    settings.hash = "bench-hash";
    settings.protocol_version = "0.0";
    settings.session_key_size = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        auto connection = harness::TfConnection::connect("127.0.0.1", server.port(), settings, 5s);
        if (std::holds_alternative<harness::TransportError>(connection)) {
            state.SkipWithError(std::get<harness::TransportError>(connection).message.c_str());
            break;
        }
        std::get<std::unique_ptr<harness::TfConnection>>(connection)->close();
    }
}
BENCHMARK(BM_TfHandshake)->Arg(16)->Arg(32)->Arg(214)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_RsaEncryptSessionKey(benchmark::State& state) {
    const std::string key(32, 'k');
    for (auto _ : state) {
        auto sealed = protocol::encrypt_session_key(key_pair().public_pem, key);
        benchmark::DoNotOptimize(sealed);
    }
}
BENCHMARK(BM_RsaEncryptSessionKey)->Unit(benchmark::kMicrosecond);

// What the server pays per handshake: parse its PEM key and decrypt (it parses per
// connection, which keeps the key material out of long-lived state).
void BM_RsaDecryptSessionKey(benchmark::State& state) {
    const auto sealed = std::get<std::string>(
        protocol::encrypt_session_key(key_pair().public_pem, std::string(32, 'k')));
    for (auto _ : state) {
        auto key = protocol::decrypt_session_key(key_pair().private_pem, sealed);
        benchmark::DoNotOptimize(key);
    }
}
BENCHMARK(BM_RsaDecryptSessionKey)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
