// Starting or naming the target of `xsime-conform run`, and how to reach it (run_target.hpp).
#include "cli/run_target.hpp"

#include "harness/local_fixture.hpp"
#include "harness/plain_connection.hpp"
#include "harness/remote_fixture.hpp"
#include "protocol/tf_rsa.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

namespace xsime::cli {

namespace {

// The hash the embedded server expects over tf when the user names none.
constexpr std::string_view embedded_tf_hash = "xsime-conform-embedded";

// Both ends of the tf transport: what the harness sends, and the embedded server's settings.
struct TfKeys {
    harness::TfSettings client;
    std::optional<mock::TfServerSettings> embedded; // only without --target
};

// The tf settings: the target's public key from --pubkey, or a fresh pair for the embedded
// server (a few tens of milliseconds of RSA key generation).
std::variant<TfKeys, RunStop> make_tf_keys(const RunOptions& options, const RunPlan& plan) {
    TfKeys keys;
    if (!plan.tf) {
        return keys;
    }
    keys.client.hash = options.hash.value_or(std::string(embedded_tf_hash));
    keys.client.protocol_version = options.proto_version;
    if (options.session_key_size != 0) {
        keys.client.session_key_size = options.session_key_size;
    }
    if (plan.target) {
        auto key = read_public_key("--pubkey", options.pubkey);
        if (auto* error = std::get_if<KeyFileError>(&key)) {
            return RunStop{exit_usage, error->message};
        }
        keys.client.public_key_pem = std::move(std::get<std::string>(key));
        return keys;
    }
    auto pair = protocol::generate_tf_key_pair();
    if (auto* error = std::get_if<protocol::TfRsaError>(&pair)) {
        return RunStop{exit_harness_fault,
                       "cannot make a key pair for the embedded server: " + error->reason};
    }
    auto& generated = std::get<protocol::TfKeyPair>(pair);
    keys.client.public_key_pem = generated.public_pem;
    keys.embedded = mock::TfServerSettings{generated.private_pem, keys.client.hash,
                                           keys.client.protocol_version};
    return keys;
}

} // namespace

std::variant<RunTarget, RunStop> open_target(const RunOptions& options, const RunPlan& plan) {
    auto made = make_tf_keys(options, plan);
    if (auto* stop = std::get_if<RunStop>(&made)) {
        return std::move(*stop);
    }
    auto& keys = std::get<TfKeys>(made);
    RunTarget target;
    target.tf_settings = keys.client;
    std::string host;
    std::uint16_t port = 0;
    std::filesystem::path root;
    if (plan.target) {
        host = plan.target->host;
        port = plan.target->port;
        root = options.root;
        target.text = options.target;
    } else {
        target.embedded = std::make_unique<EmbeddedServer>(std::function<void(std::string_view)>{},
                                                           plan.server_faults, keys.embedded);
        host = target.embedded->host();
        port = target.embedded->port();
        root = target.embedded->root();
        target.text = "embedded"; // the value docs/reports.md documents for the reports
    }
    if (plan.tf) {
        target.transport = std::make_unique<harness::TfTransport>(host, port, target.tf_settings);
    } else {
        target.transport = std::make_unique<harness::PlainTransport>(host, port);
    }
    // Fixtures go to a local directory when the target's root is known here, else through the
    // TF commands MKDIR/TOUCH/DEL/RMDIR (docs/tf-transport.md).
    target.remote_fixtures =
        options.fixtures == "remote" || (options.fixtures == "auto" && root.empty());
    if (target.remote_fixtures) {
        target.fixture = std::make_unique<harness::RemoteFixture>(
            *target.transport, std::chrono::milliseconds(options.step_timeout_ms));
    } else {
        target.fixture = std::make_unique<harness::LocalFixture>(root);
    }
    return target;
}

} // namespace xsime::cli
