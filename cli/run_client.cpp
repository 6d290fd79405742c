// The client under test of `run` (run_client.hpp).
#include "cli/run_client.hpp"

#include "cli/exit_codes.hpp"
#include "harness/client_listener.hpp"

#include <exception>
#include <filesystem>
#include <system_error>

namespace xsime::cli {

namespace {

// A word for split_exec: single quotes keep everything but a single quote.
std::string shell_quoted(const std::string& word) {
    std::string out = "'";
    for (const char c : word) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

} // namespace

std::variant<harness::ClientUnderTest, RunStop> open_client(const RunOptions& options) {
    harness::ClientUnderTest client;
    client.exec = options.exec;
    client.shell = options.exec_shell;
    if (options.reference_client) {
        std::error_code error;
        const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
        if (error) {
            return RunStop{exit_harness_fault,
                           "cannot find this executable to start the reference client: " +
                               error.message()};
        }
        client.exec = shell_quoted(self.string()) + " client-driver {host} {port}";
        for (const auto& fault : options.client_faults) {
            client.exec += " --client-fault " + shell_quoted(fault);
        }
    }
    if (options.transport == "tf") {
        try {
            client.tf = harness::ClientListener::make_tf_server_role();
        } catch (const std::exception& e) {
            return RunStop{exit_harness_fault,
                           std::string("cannot make a TF key pair: ") + e.what()};
        }
    }
    return client;
}

std::string client_target_text(const RunOptions& options) {
    if (!options.reference_client) {
        return "client: " + options.exec;
    }
    std::string text = "reference client";
    for (const auto& fault : options.client_faults) {
        text += " --client-fault " + fault;
    }
    return text;
}

} // namespace xsime::cli
