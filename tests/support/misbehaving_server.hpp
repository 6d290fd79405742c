// Test support: an in-process loopback server that enters the XSIME module correctly and
// then breaks the protocol in one chosen way, to test the runner's diagnostics and bounds.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace xsime::test {

class MisbehavingServer {
public:
    enum class Mode {
        wrong_opcode,     // answers every opcode 1 and 2 with opcode 3 sz 0
        little_endian_sz, // status and push sz written little-endian (pushes back each send)
        silence,          // never answers anything after OK
        reset,            // RST (SO_LINGER 0, then close) on the first XSIME frame
        garbage,          // sends random bytes (fixed seed) right after OK
        slow_drip,        // correct replies, one byte every 400 ms
        ascii_opcode,     // status replies with '1' / '2' / '0' instead of 0x01 / 0x02 / 0x00
    };

    // Listens on 127.0.0.1 with an OS-chosen port, serving every connection the same way,
    // each on its own thread. Throws std::runtime_error if the socket cannot be set up.
    explicit MisbehavingServer(Mode mode);
    // Stops accepting and ends every connection; returns within about 100 ms.
    ~MisbehavingServer();
    MisbehavingServer(const MisbehavingServer&) = delete;
    MisbehavingServer& operator=(const MisbehavingServer&) = delete;

    std::uint16_t port() const { return port_; }
    Mode mode() const { return mode_; }

    static std::string_view name(Mode mode);

private:
    void accept_loop();
    void serve(int fd);

    Mode mode_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread acceptor_;
    std::mutex mutex_; // guards connections_
    std::vector<std::thread> connections_;
};

} // namespace xsime::test
