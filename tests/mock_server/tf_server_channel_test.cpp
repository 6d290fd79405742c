// Tests of the TF transport's server side (TfServerChannel around a real SessionCore), driven by
// a client written here from the protocol primitives only, with no sockets and no TfConnection,
// so that the server's handshake and cipher cuts are checked independently of the harness's.
#include "mock_server/fs_mailbox.hpp"
#include "mock_server/session_core.hpp"
#include "mock_server/tf_server_channel.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_cipher.hpp"
#include "protocol/tf_framing.hpp"
#include "protocol/tf_rsa.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace xsime::mock {
namespace {

namespace fs = std::filesystem;
using protocol::Header;
using protocol::Opcode;
using protocol::TfCipher;
using protocol::TfCipherReceiver;

constexpr std::string_view version = "4.2";
constexpr std::string_view hash = "hash-of-the-test-server";

// A fixed session key keeps every ciphered byte of these tests reproducible (the harness
// draws a fresh one per connection; nothing here depends on which key it is).
std::string fixed_session_key() {
    std::string key;
    for (int i = 0; i < 32; ++i) {
        key.push_back(static_cast<char>(i * 37 + 11));
    }
    return key;
}

std::string ok_in_clear() {
    return protocol::encode_tf_message(protocol::tf_ok);
}

// The client half of a TF session built from the primitives: its own send cipher, and a
// receiver for the server's direction, both from the same session key as the server's.
struct HandClient {
    explicit HandClient(std::string key = fixed_session_key())
        : session_key(std::move(key)), out(session_key), in(TfCipher(session_key)) {}

    // A TF message as real peers send it: the length call, then the body call.
    std::string message(std::string_view body) { return protocol::pack_tf_message(out, body); }

    // An XSIME frame from the codec's encoders: the 5-byte header call, then the body call.
    std::string frame(const std::string& plain) {
        std::string wire = out.pack(std::string_view(plain).substr(0, protocol::header_size));
        if (plain.size() > protocol::header_size) {
            wire += out.pack(std::string_view(plain).substr(protocol::header_size));
        }
        return wire;
    }
    // Several frames in this order. The order of packing is the order on the wire: the
    // operands of `a + b` are evaluated in no fixed order, so the tests never pack inside one.
    std::string frames(std::initializer_list<std::string> plain) {
        std::string wire;
        for (const auto& one : plain) {
            wire += frame(one);
        }
        return wire;
    }

    // The next ciphered TF reply, or "" (and a test failure) when none is complete.
    std::string tf_reply() {
        auto result = in.next_tf_message();
        if (auto* body = std::get_if<std::string>(&result)) {
            return *body;
        }
        ADD_FAILURE() << "no complete ciphered TF reply (" << in.buffered() << " bytes buffered)";
        return {};
    }

    // The next header-only reply, unpacked as one 5-byte call.
    std::optional<Header> status() {
        auto chunk = in.take_chunk(protocol::header_size);
        if (!chunk) {
            ADD_FAILURE() << "no complete header (" << in.buffered() << " bytes buffered)";
            return std::nullopt;
        }
        return protocol::decode_header(*chunk);
    }

    std::string session_key;
    TfCipher out;
    TfCipherReceiver in;
};

class TfServerChannelTest : public ::testing::Test {
protected:
    // Key generation is slow under sanitizers: two pairs for the whole suite.
    static void SetUpTestSuite() {
        server_keys_ = generate();
        other_keys_ = generate();
    }

    static protocol::TfKeyPair generate() {
        auto pair = protocol::generate_tf_key_pair();
        if (auto* error = std::get_if<protocol::TfRsaError>(&pair)) {
            ADD_FAILURE() << "key generation: " << error->reason;
            return {};
        }
        return std::get<protocol::TfKeyPair>(std::move(pair));
    }

    void SetUp() override {
        std::random_device random;
        root_ = fs::temp_directory_path() / ("tf-server-channel-test-" + std::to_string(random()));
        for (const char* user : {"alice", "bob"}) {
            fs::create_directories(root_ / "ime" / user);
        }
        mailbox_ = std::make_unique<FsMailbox>(root_);
        settings_ = std::make_shared<const TfServerSettings>(
            TfServerSettings{server_keys_.private_pem, std::string(hash), std::string(version)});
    }

    void TearDown() override {
        cores_.clear();
        fs::remove_all(root_);
    }

    SessionCore& make_core() {
        cores_.push_back(std::make_unique<SessionCore>(
            *mailbox_, locks_, CoreSettings{}, [] { return std::uint64_t{1'700'000'000}; },
            [this](std::string_view line) { core_log_.emplace_back(line); }));
        return *cores_.back();
    }

    TfServerChannel make_channel() {
        return TfServerChannel(settings_,
                               [this](std::string_view line) { log_.emplace_back(line); });
    }

    // The session key RSA-OAEP encrypted to `public_pem` (the server's key by default).
    static std::string sealed(const std::string& session_key,
                              const std::string& public_pem = server_keys_.public_pem) {
        auto result = protocol::encrypt_session_key(public_pem, session_key);
        if (auto* error = std::get_if<protocol::TfRsaError>(&result)) {
            ADD_FAILURE() << "encrypt_session_key: " << error->reason;
            return {};
        }
        return std::get<std::string>(std::move(result));
    }

    // The whole client side of the handshake: version and key in clear, the hash ciphered.
    static std::string handshake(HandClient& client, std::string_view hash_sent = hash) {
        return protocol::encode_tf_message(version) +
               protocol::encode_tf_message(sealed(client.session_key)) + client.message(hash_sent);
    }

    // Runs the handshake to established() and consumes the replies on the client side.
    void establish(TfServerChannel& channel, SessionCore& core, HandClient& client) {
        const auto out = channel.receive(handshake(client), core);
        ASSERT_TRUE(channel.established()) << joined_log();
        ASSERT_EQ(out.bytes.substr(0, 2 * ok_in_clear().size()), ok_in_clear() + ok_in_clear());
        client.in.feed(std::string_view(out.bytes).substr(2 * ok_in_clear().size()));
        ASSERT_EQ(client.tf_reply(), protocol::tf_ok);
    }

    // Establishes, enters the module and logs `user` in; every reply checked.
    void log_in(TfServerChannel& channel, SessionCore& core, HandClient& client,
                std::string_view user) {
        establish(channel, core, client);
        client.in.feed(channel.receive(client.message(protocol::tf_xsime_start), core).bytes);
        ASSERT_EQ(client.tf_reply(), protocol::tf_ok);
        const auto out = channel.receive(
            client.frames({protocol::encode_setup(0, 0), protocol::encode_org_unit("/ime"),
                           protocol::encode_user(user)}),
            core);
        client.in.feed(out.bytes);
        EXPECT_EQ(client.status(), (Header{protocol::raw(Opcode::org_unit), 0}));
        EXPECT_EQ(client.status(), (Header{protocol::raw(Opcode::user), 0}));
        ASSERT_TRUE(core.delivering()) << joined_log();
    }

    std::string joined_log() const {
        std::string all;
        for (const auto& line : log_) {
            all += "channel: " + line + "\n";
        }
        for (const auto& line : core_log_) {
            all += "core: " + line + "\n";
        }
        return all;
    }

    bool logged(std::string_view needle) const {
        for (const auto& line : log_) {
            if (line.find(needle) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

    static protocol::TfKeyPair server_keys_;
    static protocol::TfKeyPair other_keys_;

    fs::path root_;
    std::unique_ptr<FsMailbox> mailbox_;
    UserLocks locks_;
    std::shared_ptr<const TfServerSettings> settings_;
    std::vector<std::unique_ptr<SessionCore>> cores_;
    std::vector<std::string> log_;
    std::vector<std::string> core_log_;
};
protocol::TfKeyPair TfServerChannelTest::server_keys_;
protocol::TfKeyPair TfServerChannelTest::other_keys_;

// The body of the single clear TF message that is `bytes`, or "" with a failure.
std::string clear_message(std::string_view bytes) {
    const auto step = protocol::decode_tf_message(bytes);
    if (!std::holds_alternative<std::string>(step.result) || step.consumed != bytes.size()) {
        ADD_FAILURE() << "not exactly one clear TF message: " << bytes.size() << " bytes";
        return {};
    }
    return std::get<std::string>(step.result);
}

// ---- the handshake ----

TEST_F(TfServerChannelTest, HandshakeInOneBufferOrByteByByteGivesTheSameReplies) {
    HandClient client;
    const auto wire = handshake(client);

    auto whole = make_channel();
    auto& whole_core = make_core();
    const auto out = whole.receive(wire, whole_core);
    EXPECT_TRUE(whole.established()) << joined_log();
    EXPECT_FALSE(out.close_reason.has_value());
    // Version and key are answered in clear, the hash ciphered: each reply a length call
    // and a body call.
    EXPECT_EQ(out.calls, (std::vector<std::size_t>{4, 2, 4, 2, 4, 2}));
    ASSERT_EQ(out.bytes.size(), 18u);
    EXPECT_EQ(out.bytes.substr(0, 12), ok_in_clear() + ok_in_clear());
    const auto ciphered = out.bytes.substr(12);
    EXPECT_NE(ciphered, ok_in_clear()) << "the third OK must not be in clear";
    // Unpacked in the server's cuts (4, then 2) it is OK; as one 6-byte call it is not, so
    // the cut is really there.
    TfCipher one_call(client.session_key);
    EXPECT_NE(one_call.unpack(std::string_view(ciphered)), ok_in_clear());
    TfCipher two_calls(client.session_key);
    EXPECT_EQ(two_calls.unpack(std::string_view(ciphered).substr(0, 4)),
              std::string("\0\0\0\2", 4));
    EXPECT_EQ(two_calls.unpack(std::string_view(ciphered).substr(4)), "OK");

    auto dripped = make_channel();
    auto& dripped_core = make_core();
    std::string bytes;
    std::vector<std::size_t> calls;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        EXPECT_FALSE(dripped.established()) << "established before byte " << i;
        auto piece = dripped.receive(wire.substr(i, 1), dripped_core);
        EXPECT_FALSE(piece.close_reason.has_value()) << "at byte " << i;
        bytes += piece.bytes;
        calls.insert(calls.end(), piece.calls.begin(), piece.calls.end());
    }
    EXPECT_TRUE(dripped.established());
    EXPECT_EQ(bytes, out.bytes);
    EXPECT_EQ(calls, out.calls);
}

TEST_F(TfServerChannelTest, EstablishedOnlyAfterTheHash) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    EXPECT_FALSE(channel.established());
    EXPECT_EQ(channel.receive(protocol::encode_tf_message(version), core).bytes, ok_in_clear());
    EXPECT_FALSE(channel.established());
    EXPECT_EQ(channel.receive(protocol::encode_tf_message(sealed(client.session_key)), core).bytes,
              ok_in_clear());
    EXPECT_FALSE(channel.established());
    client.in.feed(channel.receive(client.message(hash), core).bytes);
    EXPECT_TRUE(channel.established());
    EXPECT_EQ(client.tf_reply(), protocol::tf_ok);
}

TEST_F(TfServerChannelTest, WrongVersionIsRefusedInClearAndLaterInputIgnored) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    const auto out = channel.receive(protocol::encode_tf_message("9.9"), core);
    const auto reply = clear_message(out.bytes);
    EXPECT_EQ(reply.rfind("FAILED ", 0), 0u) << reply;
    EXPECT_NE(reply.find("9.9"), std::string::npos) << "the reply names the version: " << reply;
    ASSERT_TRUE(out.close_reason.has_value());
    EXPECT_NE(out.close_reason->find("9.9"), std::string::npos) << *out.close_reason;
    EXPECT_FALSE(channel.established());
    EXPECT_TRUE(logged("TF handshake refused")) << joined_log();

    // A client that carries on anyway (key, hash, a command) gets nothing at all.
    std::string later_wire = protocol::encode_tf_message(sealed(client.session_key));
    later_wire += client.message(hash);
    later_wire += client.message(protocol::tf_xsime_start);
    const auto later = channel.receive(later_wire, core);
    EXPECT_TRUE(later.empty()) << later.bytes.size() << " bytes";
    EXPECT_FALSE(channel.established());
}

TEST_F(TfServerChannelTest, VersionFollowedByMoreInTheSameReadIsStillRefusedAlone) {
    // A refused version must not let the key behind it in the same read be answered.
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    const auto out = channel.receive(protocol::encode_tf_message("0.0-other") +
                                         protocol::encode_tf_message(sealed(client.session_key)),
                                     core);
    EXPECT_EQ(clear_message(out.bytes).rfind("FAILED ", 0), 0u);
    EXPECT_TRUE(out.close_reason.has_value());
}

struct BadKey {
    std::string name;
    std::string message; // the body of the step-2 message
    std::string reason;  // what the FAILED reply must say
};

class TfServerChannelBadKey : public TfServerChannelTest {
protected:
    std::vector<BadKey> bad_keys() {
        std::mt19937 random(5); // fixed: the same "random" ciphertext every run
        std::string noise(protocol::tf_rsa_ciphertext_size, '\0');
        for (auto& c : noise) {
            c = static_cast<char>(random() & 0xFF);
        }
        const std::string undecryptable = "cannot be decrypted";
        return {
            {"256 random bytes", noise, undecryptable},
            {"a ciphertext for another key pair",
             sealed(fixed_session_key(), other_keys_.public_pem), undecryptable},
            {"a short message", "too short to be a key", undecryptable},
            {"an empty message", "", undecryptable},
            // Decrypts, but 15 bytes is below the protocol's 16..214.
            {"a 15-byte session key", sealed(fixed_session_key().substr(0, 15)), "15 bytes"},
        };
    }
};

TEST_F(TfServerChannelBadKey, UndecryptableOrUnusableKeyIsRefusedInClear) {
    for (const auto& bad : bad_keys()) {
        SCOPED_TRACE(bad.name);
        HandClient client;
        auto channel = make_channel();
        auto& core = make_core();
        EXPECT_EQ(channel.receive(protocol::encode_tf_message(version), core).bytes, ok_in_clear());
        const auto out = channel.receive(protocol::encode_tf_message(bad.message), core);
        const auto reply = clear_message(out.bytes);
        EXPECT_EQ(reply.rfind("FAILED ", 0), 0u) << reply;
        EXPECT_NE(reply.find(bad.reason), std::string::npos) << reply;
        EXPECT_TRUE(out.close_reason.has_value());
        EXPECT_FALSE(channel.established());
        EXPECT_TRUE(channel.receive(client.message(hash), core).empty())
            << "input after a refusal is ignored";
    }
}

TEST_F(TfServerChannelTest, OversizedHandshakeMessageIsRefusedInClear) {
    auto channel = make_channel();
    auto& core = make_core();
    // A length of 1 MiB: no version string is that long, and no byte of it needs to come.
    const auto out = channel.receive(std::string("\x00\x10\x00\x00", 4), core);
    EXPECT_EQ(clear_message(out.bytes).rfind("FAILED ", 0), 0u);
    EXPECT_TRUE(out.close_reason.has_value());
}

TEST_F(TfServerChannelTest, WrongHashIsRefusedCiphered) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    const auto out = channel.receive(handshake(client, "not-the-hash"), core);
    ASSERT_EQ(out.bytes.substr(0, 12), ok_in_clear() + ok_in_clear());
    const auto ciphered = out.bytes.substr(12);
    EXPECT_EQ(ciphered.find("FAILED"), std::string::npos) << "the refusal must be ciphered";
    client.in.feed(ciphered);
    const auto reply = client.tf_reply();
    EXPECT_EQ(reply.rfind("FAILED ", 0), 0u) << reply;
    EXPECT_EQ(client.in.buffered(), 0u) << "nothing after the FAILED reply";
    ASSERT_TRUE(out.close_reason.has_value());
    EXPECT_NE(out.close_reason->find("hash"), std::string::npos) << *out.close_reason;
    EXPECT_FALSE(channel.established());
    EXPECT_TRUE(channel.receive(client.message(protocol::tf_xsime_start), core).empty());
}

TEST_F(TfServerChannelTest, MalformedHashMessageIsRefusedCiphered) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    channel.receive(protocol::encode_tf_message(version) +
                        protocol::encode_tf_message(sealed(client.session_key)),
                    core);
    // A negative length, ciphered as the length call.
    const auto out =
        channel.receive(client.out.pack(std::string_view("\xff\xff\xff\xff", 4)), core);
    client.in.feed(out.bytes);
    EXPECT_EQ(client.tf_reply().rfind("FAILED ", 0), 0u);
    EXPECT_TRUE(out.close_reason.has_value());
}

// ---- after the handshake ----

TEST_F(TfServerChannelTest, StartAndLoginRepliesAreCipheredInTheirCalls) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    establish(channel, core, client);

    const auto started = channel.receive(client.message(protocol::tf_xsime_start), core);
    EXPECT_EQ(started.calls, (std::vector<std::size_t>{4, 2}));
    EXPECT_NE(started.bytes, ok_in_clear());
    client.in.feed(started.bytes);
    EXPECT_EQ(client.tf_reply(), protocol::tf_ok);
    EXPECT_TRUE(core.in_module());

    // Opcode 4: a 5-byte call and an 8-byte call, no reply.
    const auto setup = channel.receive(client.frame(protocol::encode_setup(0, 0)), core);
    EXPECT_TRUE(setup.bytes.empty());
    const auto org = channel.receive(client.frame(protocol::encode_org_unit("/ime")), core);
    EXPECT_EQ(org.calls, (std::vector<std::size_t>{5}));
    client.in.feed(org.bytes);
    EXPECT_EQ(client.status(), (Header{protocol::raw(Opcode::org_unit), 0}));
    const auto user = channel.receive(client.frame(protocol::encode_user("alice")), core);
    EXPECT_EQ(user.calls, (std::vector<std::size_t>{5}));
    client.in.feed(user.bytes);
    EXPECT_EQ(client.status(), (Header{protocol::raw(Opcode::user), 0}));
    EXPECT_TRUE(core.delivering());

    // A failing reply is ciphered the same way: an org unit that does not exist.
    HandClient other;
    auto other_channel = make_channel();
    auto& other_core = make_core();
    establish(other_channel, other_core, other);
    other.in.feed(other_channel.receive(other.message(protocol::tf_xsime_start), other_core).bytes);
    EXPECT_EQ(other.tf_reply(), protocol::tf_ok);
    other.in.feed(other_channel
                      .receive(other.frames({protocol::encode_setup(0, 0),
                                             protocol::encode_org_unit("/nowhere")}),
                               other_core)
                      .bytes);
    EXPECT_EQ(other.status(), (Header{protocol::raw(Opcode::org_unit), -1}));
}

TEST_F(TfServerChannelTest, PushIsSealedAsHeaderCallThenPayloadCall) {
    HandClient alice;
    auto alice_channel = make_channel();
    auto& alice_core = make_core();
    log_in(alice_channel, alice_core, alice, "alice");
    HandClient bob(fixed_session_key().substr(0, 20)); // another session, another key
    auto bob_channel = make_channel();
    auto& bob_core = make_core();
    log_in(bob_channel, bob_core, bob, "bob");

    const std::vector<std::string> to = {"bob"};
    const auto sent = alice_channel.receive(
        alice.frame(protocol::encode_send(to, "over the cipher")), alice_core);
    EXPECT_TRUE(sent.bytes.empty()) << "a successful send has no reply";

    auto push = bob_channel.seal(bob_core.poll_deliveries());
    ASSERT_FALSE(push.bytes.empty()) << joined_log();
    ASSERT_EQ(push.calls.size(), 2u);
    EXPECT_EQ(push.calls[0], protocol::header_size);
    bob.in.feed(push.bytes);
    const auto header = bob.status();
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->opcode, protocol::raw(Opcode::message));
    ASSERT_GT(header->sz, 0);
    const auto payload = bob.in.take_chunk(static_cast<std::size_t>(header->sz));
    ASSERT_TRUE(payload.has_value());
    const auto parsed = protocol::parse_push(*payload);
    ASSERT_TRUE(std::holds_alternative<protocol::Push>(parsed)) << *payload;
    EXPECT_EQ(std::get<protocol::Push>(parsed).sender, "alice");
    EXPECT_EQ(std::get<protocol::Push>(parsed).text, "over the cipher");
    EXPECT_EQ(bob.in.buffered(), 0u);
}

// Everything a client sends from connect to a second XSIME_START, with the offsets of the
// handshake's boundaries, to feed the same wire in different segments.
struct Session {
    std::string wire;
    std::size_t key_message_end = 0; // offset just past the step-2 message
    std::size_t hash_end = 0;        // offset just past the ciphered hash
};

TEST_F(TfServerChannelTest, OddSegmentSizesGiveTheSameResult) {
    HandClient client;
    Session session;
    session.wire = protocol::encode_tf_message(version) +
                   protocol::encode_tf_message(sealed(client.session_key));
    session.key_message_end = session.wire.size();
    session.wire += client.message(hash);
    session.hash_end = session.wire.size();
    session.wire += client.message(protocol::tf_xsime_start);
    session.wire += client.frames({protocol::encode_setup(0, 0), protocol::encode_org_unit("/ime"),
                                   protocol::encode_user("alice"),
                                   protocol::encode_interval(50'000'000), protocol::encode_exit()});
    session.wire += client.message(protocol::tf_xsime_start);

    auto feed = [&](const std::vector<std::size_t>& cuts) {
        auto channel = make_channel();
        auto& core = make_core();
        CoreOutput all;
        std::size_t at = 0;
        for (std::size_t i = 0; at < session.wire.size(); ++i) {
            const auto size = std::min(cuts[i % cuts.size()], session.wire.size() - at);
            auto out = channel.receive(std::string_view(session.wire).substr(at, size), core);
            EXPECT_FALSE(out.close_reason.has_value()) << "at byte " << at << ": " << joined_log();
            all.bytes += out.bytes;
            all.calls.insert(all.calls.end(), out.calls.begin(), out.calls.end());
            at += size;
        }
        EXPECT_TRUE(core.in_module());
        EXPECT_FALSE(channel.mid_message());
        return all;
    };

    const auto whole = feed({session.wire.size()});
    for (const auto& cuts : std::vector<std::vector<std::size_t>>{{1}, {3}, {7}, {1, 3, 7}}) {
        SCOPED_TRACE("segments of " + std::to_string(cuts.front()) + "...");
        const auto out = feed(cuts);
        EXPECT_EQ(out.bytes, whole.bytes);
        EXPECT_EQ(out.calls, whole.calls);
    }
    // The key's tail, the whole hash and the start of XSIME_START in one segment.
    const auto straddle =
        feed({session.key_message_end - 10, 10 + (session.hash_end - session.key_message_end) + 3,
              session.wire.size()});
    EXPECT_EQ(straddle.bytes, whole.bytes);
    EXPECT_EQ(straddle.calls, whole.calls);

    // And what the client reads from it is right.
    ASSERT_EQ(whole.bytes.substr(0, 12), ok_in_clear() + ok_in_clear());
    client.in.feed(std::string_view(whole.bytes).substr(12));
    EXPECT_EQ(client.tf_reply(), protocol::tf_ok); // hash
    EXPECT_EQ(client.tf_reply(), protocol::tf_ok); // XSIME_START
    EXPECT_EQ(client.status(), (Header{protocol::raw(Opcode::org_unit), 0}));
    EXPECT_EQ(client.status(), (Header{protocol::raw(Opcode::user), 0}));
    EXPECT_EQ(client.status(), (Header{protocol::raw(Opcode::exit), 0})); // the exit echo
    EXPECT_EQ(client.tf_reply(), protocol::tf_ok);                        // re-entry
    EXPECT_EQ(client.in.buffered(), 0u);
}

// Why the cuts matter: the server unpacks the calls it expects, so a client that packs a
// message or a frame as one call is not understood, although every byte is there.
TEST_F(TfServerChannelTest, ClientThatCutsACallWronglyIsNotUnderstood) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    establish(channel, core, client);
    // XSIME_START with its length and body in one call: the length unpacks (the key index
    // starts at 0 either way) but the body does not, so the core sees another command.
    const auto start = protocol::encode_tf_message(protocol::tf_xsime_start);
    client.in.feed(channel.receive(client.out.pack(std::string_view(start)), core).bytes);
    EXPECT_NE(client.tf_reply(), protocol::tf_ok);
    EXPECT_FALSE(core.in_module());

    // A frame as one call: the same for an org unit's header and path.
    HandClient framed;
    auto framed_channel = make_channel();
    auto& framed_core = make_core();
    establish(framed_channel, framed_core, framed);
    framed.in.feed(
        framed_channel.receive(framed.message(protocol::tf_xsime_start), framed_core).bytes);
    ASSERT_EQ(framed.tf_reply(), protocol::tf_ok);
    framed_channel.receive(framed.frame(protocol::encode_setup(0, 0)), framed_core);
    const auto org = protocol::encode_org_unit("/ime");
    framed.in.feed(
        framed_channel.receive(framed.out.pack(std::string_view(org)), framed_core).bytes);
    const auto reply = framed.status();
    ASSERT_TRUE(reply.has_value()) << joined_log();
    EXPECT_NE(*reply, (Header{protocol::raw(Opcode::org_unit), 0}))
        << "the core must not have understood a mis-cut frame";
    EXPECT_FALSE(framed_core.delivering());
}

TEST_F(TfServerChannelTest, MidMessageTracksPartialHandshakeMessagesAndChunks) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    EXPECT_FALSE(channel.mid_message());

    const auto version_message = protocol::encode_tf_message(version);
    channel.receive(version_message.substr(0, 2), core);
    EXPECT_TRUE(channel.mid_message()) << "half a length";
    channel.receive(version_message.substr(2, 3), core);
    EXPECT_TRUE(channel.mid_message()) << "length and part of the version";
    channel.receive(version_message.substr(5), core);
    EXPECT_FALSE(channel.mid_message()) << "the version is complete";

    const auto key_message = protocol::encode_tf_message(sealed(client.session_key));
    channel.receive(key_message.substr(0, 100), core);
    EXPECT_TRUE(channel.mid_message()) << "half the key";
    channel.receive(key_message.substr(100), core);
    EXPECT_FALSE(channel.mid_message()) << "the key is complete";

    const auto hash_message = client.message(hash);
    channel.receive(hash_message.substr(0, 2), core);
    EXPECT_TRUE(channel.mid_message()) << "half the hash's length call";
    channel.receive(hash_message.substr(2, 2), core);
    EXPECT_TRUE(channel.mid_message()) << "the length call, no body yet";
    channel.receive(hash_message.substr(4, 5), core);
    EXPECT_TRUE(channel.mid_message()) << "part of the hash's body call";
    channel.receive(hash_message.substr(9), core);
    EXPECT_FALSE(channel.mid_message()) << "the hash is complete";
    ASSERT_TRUE(channel.established());

    const auto start = client.message(protocol::tf_xsime_start);
    channel.receive(start.substr(0, 7), core);
    EXPECT_TRUE(channel.mid_message()) << "the length call and 3 body bytes";
    channel.receive(start.substr(7), core);
    EXPECT_FALSE(channel.mid_message());
    ASSERT_TRUE(core.in_module());

    const auto setup = client.frame(protocol::encode_setup(0, 0));
    channel.receive(setup.substr(0, 3), core);
    EXPECT_TRUE(channel.mid_message()) << "3 bytes of the header call";
    channel.receive(setup.substr(3, 2), core);
    // The header call is whole and handed to the core: the rest is the core's mid_frame().
    EXPECT_FALSE(channel.mid_message()) << "at a call boundary";
    EXPECT_TRUE(core.mid_frame());
    channel.receive(setup.substr(5, 4), core);
    EXPECT_TRUE(channel.mid_message()) << "half the timestamp call";
    channel.receive(setup.substr(9), core);
    EXPECT_FALSE(channel.mid_message());
    EXPECT_FALSE(core.mid_frame());
}

// ---- seal ----

TEST_F(TfServerChannelTest, SealRefusesCallsThatDoNotAddUpToTheBytes) {
    HandClient client;
    auto channel = make_channel();
    auto& core = make_core();
    establish(channel, core, client);

    for (const auto& calls : std::vector<std::vector<std::size_t>>{{5}, {5, 4}, {}}) {
        SCOPED_TRACE(std::to_string(calls.size()) + " calls");
        CoreOutput plain;
        plain.bytes = "abcdefgh";
        plain.calls = calls;
        const auto sealed_out = channel.seal(plain);
        EXPECT_TRUE(sealed_out.bytes.empty()) << "nothing may be written";
        EXPECT_TRUE(sealed_out.calls.empty());
        EXPECT_TRUE(sealed_out.close_reason.has_value());
    }
    EXPECT_TRUE(logged("internal error")) << joined_log();

    // The control: calls that add up are packed as those calls, and the client reads them.
    CoreOutput plain;
    plain.bytes = "abcdefgh";
    plain.calls = {5, 3};
    const auto sealed_out = channel.seal(plain);
    EXPECT_FALSE(sealed_out.close_reason.has_value());
    EXPECT_EQ(sealed_out.calls, plain.calls);
    EXPECT_NE(sealed_out.bytes, plain.bytes);
    client.in.feed(sealed_out.bytes);
    EXPECT_EQ(client.in.take_chunk(5), "abcde");
    EXPECT_EQ(client.in.take_chunk(3), "fgh");
}

} // namespace
} // namespace xsime::mock
