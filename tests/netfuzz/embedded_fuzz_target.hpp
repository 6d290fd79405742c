// For the network fuzzer's tests: one embedded reference server (with the faults given), its
// plain transport and local fixture, as a FuzzTarget. Nothing to watch, nothing to restart.
#pragma once

#include "cli/embedded_server.hpp"
#include "harness/local_fixture.hpp"
#include "harness/plain_connection.hpp"
#include "netfuzz/campaign.hpp"

namespace xsime::test {

class EmbeddedFuzzTarget : public netfuzz::FuzzTarget {
public:
    explicit EmbeddedFuzzTarget(mock::Faults faults = {})
        : server_({}, faults), transport_(server_.host(), server_.port()),
          fixture_(server_.root()) {}
    harness::Transport& transport() override { return transport_; }
    harness::FixtureHost& fixture() override { return fixture_; }
    bool died(std::string&, std::chrono::milliseconds) override { return false; }
    bool restart(std::string&) override { return false; }
    std::string stderr_tail() override { return {}; }

private:
    cli::EmbeddedServer server_;
    harness::PlainTransport transport_;
    harness::LocalFixture fixture_;
};

} // namespace xsime::test
