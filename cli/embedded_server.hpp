// The reference server run in-process on its own threads and a temporary root: the default
// target when no --target is given.
#pragma once

#include "mock_server/server.hpp"

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace xsime::cli {

class EmbeddedServer {
public:
    // Creates a fresh temporary root (removed by the destructor) and starts listening on
    // 127.0.0.1 with a free port. `log` may be empty to keep the server quiet. `faults`
    // (none by default) makes it deliberately wrong, to test a test suite.
    // `tf` set: every connection runs the TF handshake and cipher with those settings.
    explicit EmbeddedServer(std::function<void(std::string_view)> log = {},
                            mock::Faults faults = {},
                            std::optional<mock::TfServerSettings> tf = std::nullopt);
    ~EmbeddedServer();
    EmbeddedServer(const EmbeddedServer&) = delete;
    EmbeddedServer& operator=(const EmbeddedServer&) = delete;

    const std::filesystem::path& root() const { return root_; }
    std::string host() const { return "127.0.0.1"; }
    std::uint16_t port() const { return port_; }

private:
    std::filesystem::path root_;
    boost::asio::io_context io_;
    std::unique_ptr<mock::Server> server_;
    std::vector<std::thread> threads_;
    std::uint16_t port_ = 0;
};

} // namespace xsime::cli
