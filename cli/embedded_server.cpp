// Lifecycle of the in-process reference server.
#include "cli/embedded_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <random>
#include <stdexcept>

namespace xsime::cli {

namespace {
std::filesystem::path make_temp_root() {
    std::random_device random;
    for (int attempt = 0; attempt < 16; ++attempt) {
        auto path = std::filesystem::temp_directory_path() /
                    ("xsime-conform-" + std::to_string(random()) + std::to_string(random()));
        if (std::filesystem::create_directory(path)) {
            return path;
        }
    }
    throw std::runtime_error("cannot create a temporary root under " +
                             std::filesystem::temp_directory_path().string());
}
} // namespace

EmbeddedServer::EmbeddedServer(std::function<void(std::string_view)> log, mock::Faults faults,
                               std::optional<mock::TfServerSettings> tf)
    : root_(make_temp_root()) {
    mock::ServerConfig config;
    config.root = root_;
    config.host = "127.0.0.1";
    config.port = 0;
    config.log = std::move(log);
    config.core.faults = faults;
    config.tf = std::move(tf);
    server_ = std::make_unique<mock::Server>(io_, config);
    port_ = server_->local_endpoint().port();
    server_->start();
    for (int i = 0; i < 2; ++i) {
        threads_.emplace_back([this] { io_.run(); });
    }
}

EmbeddedServer::~EmbeddedServer() {
    server_->stop();
    // Sessions finish their last write or reach their write deadline; do not wait longer.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (server_->session_count() > 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    io_.stop();
    for (auto& thread : threads_) {
        thread.join();
    }
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
}

} // namespace xsime::cli
