// libFuzzer target: the TF server channel is transparent (differential against a plain core) and
// its handshake stage answers arbitrary bytes with whole clear replies only.
#include "fuzz/fuzz_support.hpp"
#include "mock_server/memory_mailbox.hpp"
#include "mock_server/session_core.hpp"
#include "mock_server/tf_server_channel.hpp"
#include "mock_server/user_locks.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_call_splitter.hpp"
#include "protocol/tf_cipher.hpp"
#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace {

using namespace xsime;
using fuzz::require;
using fuzz::require_calls_describe_bytes;
using protocol::TfCipher;

// The seeds in corpus/tf_channel_fuzz/ (make_seeds.py) send these in the handshake mode.
constexpr std::string_view version = "0.0";
constexpr std::string_view hash = "xsime-fuzz-hash";
// Pushes are never polled here, but a fixed clock keeps every reply (DATE, FSTAT's times)
// reproducible anyway.
constexpr std::uint64_t fixed_now = 1'700'000'000;

// Inputs may MKDIR, TOUCH and send: each input gets fresh in-memory mailboxes (nothing on disk,
// nothing to wipe), all with the same small layout, so that a finding replays alone: org unit
// /ime with users alice (a blacklist holding carol) and bob.
std::unique_ptr<mock::MemoryMailbox> fresh_mailbox() {
    auto mailbox = std::make_unique<mock::MemoryMailbox>([] { return fixed_now; });
    mailbox->make_folders("/ime/alice/messages/blacklist");
    mailbox->make_folders("/ime/bob/messages");
    mailbox->write_file("/ime/alice/messages/blacklist/carol", "");
    return mailbox;
}

std::string fixed_session_key() {
    std::string key;
    for (int i = 0; i < 32; ++i) {
        key.push_back(static_cast<char>(i * 37 + 11));
    }
    return key;
}

template <typename T>
T value_or_trap(protocol::TfRsaResult<T> result) {
    require(std::holds_alternative<T>(result), "the RSA setup failed");
    return std::get<T>(std::move(result));
}

// Everything made once per process: the RSA key pair (slow) and the session key's OAEP
// ciphertext; and the two mailboxes of the differential, one per side, made afresh per input.
struct World {
    World() {
        const auto keys = value_or_trap(protocol::generate_tf_key_pair());
        // Parsed once, as the server does: the raw handshake mode's key messages pay for
        // the RSA decryption only.
        mock::TfServerSettings parsed{keys.private_pem, std::string(hash), std::string(version)};
        parsed.parse_private_key();
        require(parsed.private_key != nullptr, "the private key parses");
        settings = std::make_shared<const mock::TfServerSettings>(std::move(parsed));
        ciphertext =
            value_or_trap(protocol::encrypt_session_key(keys.public_pem, fixed_session_key()));
    }

    // The handshake stage (`raw`) uses the second mailbox only: the first is not made for it.
    void before_input(bool raw) {
        mailboxes[0] = raw ? nullptr : fresh_mailbox();
        mailboxes[1] = fresh_mailbox();
    }

    std::shared_ptr<const mock::TfServerSettings> settings;
    std::string ciphertext;
    std::unique_ptr<mock::MemoryMailbox> mailboxes[2];
};

World& world() {
    static World instance;
    return instance;
}

std::unique_ptr<mock::SessionCore> make_core(mock::Mailbox& mailbox, mock::UserLocks& locks) {
    return std::make_unique<mock::SessionCore>(
        mailbox, locks, mock::CoreSettings{}, [] { return fixed_now; }, [](std::string_view) {});
}

mock::TfServerChannel make_channel() {
    return mock::TfServerChannel(world().settings, [](std::string_view) {});
}

// The channel's outputs for `wire` written in `chunk`s (the first one `first` bytes, when not
// 0), joined; checks on every output that its calls sum to its bytes and that nothing at all
// follows a close.
mock::CoreOutput feed(mock::TfServerChannel& channel, mock::SessionCore& core,
                      std::string_view wire, std::size_t chunk,
                      std::vector<mock::CoreOutput>* each = nullptr, std::size_t first = 0) {
    mock::CoreOutput all;
    for (std::size_t at = 0, size = first != 0 ? first : chunk; at < wire.size();
         at += size, size = chunk) {
        auto out = channel.receive(wire.substr(at, size), core);
        require_calls_describe_bytes(out);
        // Only pushes remove, and none is polled.
        require(out.remove_after_write.empty(), "a removal without a poll");
        if (all.close_reason) {
            require(out.empty(), "output after a close");
            continue;
        }
        all.bytes += out.bytes;
        all.calls.insert(all.calls.end(), out.calls.begin(), out.calls.end());
        all.close_reason = out.close_reason;
        if (each != nullptr) {
            each->push_back(std::move(out));
        }
    }
    return all;
}

// The client's two ciphers and the server's channel for one connection.
struct Connection {
    mock::TfServerChannel channel = make_channel();
    TfCipher client_out{fixed_session_key()};
    TfCipher client_in{fixed_session_key()};
};

// The client side of the handshake: version and key in clear, the hash ciphered.
std::string handshake_wire(Connection& connection) {
    std::string wire =
        protocol::encode_tf_message(version) + protocol::encode_tf_message(world().ciphertext);
    wire += protocol::pack_tf_message(connection.client_out, hash);
    return wire;
}

// The channel's answer to a whole handshake: OK, OK in clear, then OK ciphered, each a length
// and a body call. Unpacks the ciphered OK with the client's cipher; returns how many bytes and
// calls it took.
std::pair<std::size_t, std::size_t> require_handshake_replies(const mock::CoreOutput& out,
                                                              Connection& connection) {
    const auto ok = protocol::encode_tf_message(protocol::tf_ok);
    constexpr std::size_t calls = 6;
    require(out.calls.size() >= calls && out.bytes.size() >= 3 * ok.size(),
            "the handshake replies are short");
    for (std::size_t i = 0; i < calls; i += 2) {
        require(out.calls[i] == protocol::tf_length_size &&
                    out.calls[i + 1] == protocol::tf_ok.size(),
                "a handshake reply is not a length call and a body call");
    }
    require(out.bytes.compare(0, 2 * ok.size(), ok + ok) == 0,
            "the handshake's clear replies are not OK, OK");
    std::string third = out.bytes.substr(2 * ok.size(), ok.size());
    connection.client_in.unpack(third.data(), protocol::tf_length_size);
    connection.client_in.unpack(third.data() + protocol::tf_length_size, protocol::tf_ok.size());
    require(third == ok, "the handshake's ciphered reply is not OK");
    return {3 * ok.size(), calls};
}

// A connection that ran the handshake once per process; copies of it skip the RSA decryption
// (over a millisecond of CPU, more than the rest of a typical input) while their cipher states
// are exactly those after a real handshake.
const Connection& established() {
    static const Connection connection = [] {
        Connection fresh;
        mock::UserLocks locks;
        const auto mailbox = fresh_mailbox();
        auto core = make_core(*mailbox, locks);
        const auto out = fresh.channel.receive(handshake_wire(fresh), *core);
        require(fresh.channel.established() && !out.close_reason,
                "the handshake run once per process failed");
        const auto used = require_handshake_replies(out, fresh);
        require(used.first == out.bytes.size() && used.second == out.calls.size(),
                "the handshake run once per process answered more than OK, OK, OK");
        return fresh;
    }();
    return connection;
}

// The largest wire chunk (mode bits 0-5).
constexpr std::size_t max_chunk = 64;

// The start of the handshake wire that holds all its RSA work, fed in `chunk`s (the last one cut
// where the start ends): up to the end of the session key's message, or with the largest chunk
// up to the end of the hash message, so that the key's and the hash's messages arrive in one
// chunk there. The rest (the hash message, if not in the start, then the plaintext) is fed per
// input, its first chunk ending where the uncut wire's would. The wire is cut exactly as
// without the cache, except at the end of the start.
struct HandshakeStart {
    Connection connection; // the channel after the start; the client's cipher past the hash
    mock::CoreOutput out;  // the channel's answers to the start
    std::string rest;      // the handshake's bytes after the start
    std::size_t size = 0;  // of the start
};

// One start per chunk size, made on first use: an RSA decryption each, once per process
// instead of once per input (over a millisecond of CPU, several under ASan).
const HandshakeStart& handshake_start(std::size_t chunk) {
    static std::unique_ptr<HandshakeStart> cache[max_chunk];
    auto& slot = cache[chunk - 1];
    if (!slot) {
        slot = std::make_unique<HandshakeStart>();
        const std::string wire = handshake_wire(slot->connection);
        const std::size_t key_end = protocol::encode_tf_message(version).size() +
                                    protocol::encode_tf_message(world().ciphertext).size();
        slot->size = chunk == max_chunk ? wire.size() : key_end;
        mock::UserLocks locks;
        const auto mailbox = fresh_mailbox();
        auto core = make_core(*mailbox, locks);
        slot->out = feed(slot->connection.channel, *core,
                         std::string_view(wire).substr(0, slot->size), chunk);
        require(!slot->out.close_reason, "the handshake's start was refused");
        slot->rest = wire.substr(slot->size);
    }
    return *slot;
}

// (a) the plain core and (b) the TF path must answer the same plaintext identically.
//
// Where the two could legitimately differ, and why they cannot here:
// - The client's splitter enters the XSIME layer as soon as XSIME_START is written, before
//   the answer; a server that refuses XSIME_START would leave it cutting frames where the
//   server reads TF messages (a real client calls leave_xsime()). The reference core answers
//   XSIME_START with OK whenever it reads it, so no refusal can occur.
// - After lost() the splitter makes each write one call, which no longer follows the
//   structure. It gets lost exactly where the core's own decoders (the same codec functions)
//   find a negative or oversized length, or a fatal header: the core closes on that very
//   call, so nothing the splitter cuts after it is ever unpacked.
// So no input is restricted or normalised.
void differential(std::string_view plain, std::size_t chunk, bool reuse) {
    auto& w = world();
    mock::UserLocks locks_a;
    mock::UserLocks locks_b;

    auto core_a = make_core(*w.mailboxes[0], locks_a);
    const auto a = core_a->receive(plain);
    require_calls_describe_bytes(a);

    auto core_b = make_core(*w.mailboxes[1], locks_b);
    // The handshake (its start from handshake_start()) unless reused, then the plaintext packed
    // in the cuts a client makes; the wire chunks cut through both, as TCP may.
    const HandshakeStart* start = reuse ? nullptr : &handshake_start(chunk);
    Connection connection = reuse ? established() : start->connection;
    std::string wire = reuse ? std::string() : start->rest;
    const std::size_t first = reuse ? 0 : chunk - start->size % chunk;
    protocol::TfCallSplitter splitter(protocol::Direction::to_server);
    std::string ciphered(plain);
    std::size_t at = 0;
    for (const auto& piece : splitter.split(plain)) {
        if (piece.starts_call) {
            connection.client_out.begin_call();
        }
        connection.client_out.pack_part(ciphered.data() + at, piece.size);
        at += piece.size;
    }
    require(at == plain.size(), "the splitter's pieces do not cover the plaintext");
    wire += ciphered;
    mock::CoreOutput b = reuse ? mock::CoreOutput{} : start->out;
    b.append(feed(connection.channel, *core_b, wire, chunk, nullptr, first));
    require(connection.channel.established(), "the channel is not established after the handshake");

    const auto [skip_bytes, skip_calls] = reuse ? std::pair<std::size_t, std::size_t>{0, 0}
                                                : require_handshake_replies(b, connection);
    // The client unpacks the rest call by call, in the cuts the channel reports.
    std::string unpacked = b.bytes.substr(skip_bytes);
    at = 0;
    for (std::size_t i = skip_calls; i < b.calls.size(); ++i) {
        connection.client_in.unpack(unpacked.data() + at, b.calls[i]);
        at += b.calls[i];
    }
    require(unpacked == a.bytes, "the TF path's replies differ from the plain core's");
    require(std::equal(b.calls.begin() + static_cast<std::ptrdiff_t>(skip_calls), b.calls.end(),
                       a.calls.begin(), a.calls.end()),
            "the TF path's calls differ from the plain core's");
    require(a.close_reason == b.close_reason, "the TF path's close differs from the plain core's");
}

// Arbitrary bytes at the handshake stage. The key pair is made per process, so no input can
// hold a session key that decrypts: every reply is in clear. (Should an input ever get a key
// accepted, by OAEP's negligible odds, the checks stop at the second OK: the hash stage
// answers ciphered.)
void handshake_stage(std::string_view wire, std::size_t chunk) {
    auto& w = world();
    mock::UserLocks locks;
    auto core = make_core(*w.mailboxes[1], locks);
    auto channel = make_channel();
    std::vector<mock::CoreOutput> outputs;
    feed(channel, *core, wire, chunk, &outputs);
    std::size_t oks = 0;
    for (const auto& out : outputs) {
        if (oks == 2) {
            return;
        }
        // Only whole clear TF messages, each a length call and (when not empty) a body call.
        std::string_view rest = out.bytes;
        std::size_t call = 0;
        bool failed = false;
        while (!rest.empty()) {
            require(!failed, "a reply after FAILED: a FAILED is the last reply");
            const auto step = protocol::decode_tf_message(rest);
            const auto* body = std::get_if<std::string>(&step.result);
            require(body != nullptr && step.consumed > 0,
                    "a handshake reply is not a whole TF message");
            require(call < out.calls.size() && out.calls[call] == protocol::tf_length_size,
                    "a handshake reply's length is not its own call");
            ++call;
            if (!body->empty()) {
                require(call < out.calls.size() && out.calls[call] == body->size(),
                        "a handshake reply's body is not its own call");
                ++call;
            }
            rest.remove_prefix(step.consumed);
            if (*body == protocol::tf_ok) {
                ++oks;
            } else {
                require(body->starts_with("FAILED "), "a handshake reply is neither OK nor FAILED");
                failed = true;
            }
        }
        require(call == out.calls.size(), "the handshake calls do not match the replies");
        // Every refusal says FAILED and closes; nothing else closes during the handshake.
        require(failed == out.close_reason.has_value(),
                "FAILED without a close, or a close without FAILED");
        if (oks == 2) {
            return;
        }
    }
    require(!channel.established(), "established without a handshake");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // First byte: bits 0-5 the wire chunk size (1..64); bit 7 the handshake stage: the rest
    // goes straight to a fresh channel, else it is the client's plaintext after a handshake,
    // which bit 6 takes from a copy of one run once per process instead of running it.
    const std::size_t chunk = static_cast<std::size_t>(data[0] & 0x3f) + 1;
    const bool reuse = (data[0] & 0x40) != 0;
    const bool raw = (data[0] & 0x80) != 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    world().before_input(raw);
    if (raw) {
        handshake_stage(input, chunk);
    } else {
        differential(input, chunk, reuse);
    }
    return 0;
}
