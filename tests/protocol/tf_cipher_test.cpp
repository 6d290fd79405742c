// Unit tests of the TF session cipher: the project's test vectors (checked against a real TF
// server) in both directions, round trips under call splits, and why call boundaries matter.
#include "protocol/tf_cipher.hpp"

#include <cstdint>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef XSIME_TEST_DATA_DIR
#error "XSIME_TEST_DATA_DIR must name tests/data (set by tests/CMakeLists.txt)"
#endif

namespace xsime::protocol {
namespace {

std::string from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0xF]);
    }
    return out;
}

struct Call {
    std::string plain;
    std::string wire;
};

struct VectorCase {
    std::string key;
    std::vector<Call> calls;
};

std::vector<VectorCase> load_vectors() {
    std::ifstream in(std::string(XSIME_TEST_DATA_DIR) + "/tf-cipher-vectors.json");
    if (!in) {
        throw std::runtime_error("cannot open tests/data/tf-cipher-vectors.json");
    }
    const auto doc = nlohmann::json::parse(in);
    std::vector<VectorCase> cases;
    for (const auto& c : doc.at("cases")) {
        VectorCase vc{from_hex(c.at("session_key").get<std::string>()), {}};
        for (const auto& call : c.at("calls")) {
            vc.calls.push_back(Call{from_hex(call.at("plain").get<std::string>()),
                                    from_hex(call.at("wire").get<std::string>())});
        }
        cases.push_back(std::move(vc));
    }
    return cases;
}

std::string random_bytes(std::mt19937& rng, std::size_t size) {
    std::uniform_int_distribution<int> byte(0, 255);
    std::string out(size, '\0');
    for (auto& c : out) {
        c = static_cast<char>(byte(rng));
    }
    return out;
}

// Cuts `size` bytes into calls of 0..max_call bytes (empty calls included: they must be
// harmless).
std::vector<std::size_t> random_split(std::mt19937& rng, std::size_t size, std::size_t max_call) {
    std::uniform_int_distribution<std::size_t> length(0, max_call);
    std::vector<std::size_t> split;
    std::size_t done = 0;
    while (done < size) {
        const auto n = std::min(length(rng), size - done);
        split.push_back(n);
        done += n;
    }
    return split;
}

std::string apply_split(TfCipher& cipher, bool pack, std::string_view data,
                        const std::vector<std::size_t>& split) {
    std::string out;
    std::size_t at = 0;
    for (const auto n : split) {
        const auto chunk = data.substr(at, n);
        out += pack ? cipher.pack(chunk) : cipher.unpack(chunk);
        at += n;
    }
    return out;
}

TEST(TfCipherVectors, FileHoldsTheExpectedCases) {
    const auto cases = load_vectors();
    ASSERT_EQ(cases.size(), 5u);
    std::vector<std::size_t> key_sizes;
    for (const auto& c : cases) {
        key_sizes.push_back(c.key.size());
        EXPECT_FALSE(c.calls.empty());
    }
    EXPECT_EQ(key_sizes, (std::vector<std::size_t>{16, 17, 36, 214, 16}));
}

TEST(TfCipherVectors, PackReproducesEveryWireChunk) {
    for (const auto& c : load_vectors()) {
        TfCipher sender(c.key);
        for (std::size_t i = 0; i < c.calls.size(); ++i) {
            EXPECT_EQ(to_hex(sender.pack(std::string_view(c.calls[i].plain))),
                      to_hex(c.calls[i].wire))
                << "key " << to_hex(c.key) << ", call " << i;
        }
    }
}

TEST(TfCipherVectors, UnpackReproducesEveryPlainChunk) {
    for (const auto& c : load_vectors()) {
        TfCipher receiver(c.key);
        for (std::size_t i = 0; i < c.calls.size(); ++i) {
            EXPECT_EQ(to_hex(receiver.unpack(std::string_view(c.calls[i].wire))),
                      to_hex(c.calls[i].plain))
                << "key " << to_hex(c.key) << ", call " << i;
        }
    }
}

TEST(TfCipherVectors, InPlaceFormsAgreeWithCopyingForms) {
    for (const auto& c : load_vectors()) {
        TfCipher sender(c.key);
        TfCipher receiver(c.key);
        for (std::size_t i = 0; i < c.calls.size(); ++i) {
            std::string chunk = c.calls[i].plain;
            sender.pack(chunk);
            EXPECT_EQ(to_hex(chunk), to_hex(c.calls[i].wire)) << "call " << i;
            receiver.unpack(chunk);
            EXPECT_EQ(to_hex(chunk), to_hex(c.calls[i].plain)) << "call " << i;
        }
    }
}

// The all-zero first 8 bytes make S start at 0: h stays 0 and the reseed from K is what
// moves the state (the vector's third call shows it).
TEST(TfCipherVectors, ZeroSeedKeyReseedsFromTheKeyBuffer) {
    const auto cases = load_vectors();
    const auto& c = cases.back();
    ASSERT_EQ(c.key.substr(0, 8), std::string(8, '\0'));
    TfCipher sender(c.key);
    EXPECT_EQ(sender.pack(std::string_view(c.calls[0].plain)), c.calls[0].wire);
    EXPECT_EQ(c.calls[0].plain, c.calls[0].wire); // first call: K[i] was 0, h was 0
    EXPECT_EQ(sender.pack(std::string_view(c.calls[1].plain)), c.calls[1].wire);
    EXPECT_EQ(sender.pack(std::string_view(c.calls[2].plain)), c.calls[2].wire);
    EXPECT_NE(c.calls[2].plain, c.calls[2].wire);
}

// TCP may cut anywhere: the receiver must reassemble each chunk before it unpacks it.
TEST(TfCipherVectors, ReceiverReassemblesChunksFedOneByteAtATime) {
    for (const auto& c : load_vectors()) {
        TfCipherReceiver receiver(TfCipher{c.key});
        std::string wire;
        for (const auto& call : c.calls) {
            wire += call.wire;
        }
        std::size_t fed = 0;
        for (std::size_t i = 0; i < c.calls.size(); ++i) {
            const auto size = c.calls[i].wire.size();
            std::optional<std::string> plain;
            // Bounded: at most `size` more bytes are needed.
            for (std::size_t guard = 0; guard <= size + 1; ++guard) {
                plain = receiver.take_chunk(size);
                if (plain) {
                    break;
                }
                ASSERT_LT(fed, wire.size());
                receiver.feed(std::string_view(wire).substr(fed++, 1));
            }
            ASSERT_TRUE(plain.has_value()) << "call " << i;
            EXPECT_EQ(to_hex(*plain), to_hex(c.calls[i].plain)) << "call " << i;
        }
        EXPECT_EQ(receiver.buffered(), 0u);
    }
}

TEST(TfCipherReceiver, IncompleteChunkIsNotUnpackedAndNotConsumed) {
    const std::string key(16, '\x5a');
    TfCipher sender(key);
    const auto wire = sender.pack(std::string_view("hello"));
    TfCipherReceiver receiver(TfCipher{key});
    receiver.feed(std::string_view(wire).substr(0, 4));
    EXPECT_FALSE(receiver.take_chunk(5).has_value());
    EXPECT_EQ(receiver.buffered(), 4u);
    receiver.feed(std::string_view(wire).substr(4));
    EXPECT_EQ(receiver.take_chunk(5), std::optional<std::string>("hello"));
}

TEST(TfCipherSplits, SameSplitOnBothSidesRoundTrips) {
    std::mt19937 rng(20261127);
    for (int trial = 0; trial < 200; ++trial) {
        const auto key_size = std::uniform_int_distribution<std::size_t>(16, 214)(rng);
        const auto key = random_bytes(rng, key_size);
        const auto data =
            random_bytes(rng, std::uniform_int_distribution<std::size_t>(0, 2000)(rng));
        const auto split = random_split(rng, data.size(), 3 * key_size);
        TfCipher sender(key);
        TfCipher receiver(key);
        const auto wire = apply_split(sender, true, data, split);
        ASSERT_EQ(wire.size(), data.size());
        EXPECT_EQ(apply_split(receiver, false, wire, split), data) << "trial " << trial;
        if (data.size() >= 16) {
            EXPECT_NE(wire, data) << "trial " << trial << ": the cipher changed nothing";
        }
    }
}

// Where one call ends is part of the protocol: the same bytes unpacked with other cuts come
// out wrong, so a transport that re-chunks (say, by TCP segment) cannot work.
TEST(TfCipherSplits, DifferentSplitOnTheReceiverDoesNotRoundTrip) {
    std::mt19937 rng(7);
    const auto key = random_bytes(rng, 32);
    const auto data = random_bytes(rng, 200);
    TfCipher sender(key);
    // An XSIME header call, then its payload call.
    const auto wire = apply_split(sender, true, data, {5, 195});

    TfCipher one_call(key);
    const auto plain_one = one_call.unpack(std::string_view(wire));
    EXPECT_EQ(plain_one.substr(0, 5), data.substr(0, 5)); // the first call lines up ...
    EXPECT_NE(plain_one.substr(5), data.substr(5));       // ... the rest does not

    TfCipher other_cut(key);
    EXPECT_NE(apply_split(other_cut, false, wire, {4, 196}), data);

    TfCipher right_cut(key);
    EXPECT_EQ(apply_split(right_cut, false, wire, {5, 195}), data);

    for (int trial = 0; trial < 50; ++trial) {
        const auto sender_split = random_split(rng, data.size(), 40);
        auto receiver_split = sender_split;
        // Merging two non-empty neighbouring calls changes where the index restarts.
        std::size_t at = 0;
        while (at + 1 < receiver_split.size() &&
               (receiver_split[at] == 0 || receiver_split[at + 1] == 0)) {
            ++at;
        }
        if (at + 1 >= receiver_split.size()) {
            continue;
        }
        receiver_split[at] += receiver_split[at + 1];
        receiver_split.erase(receiver_split.begin() + static_cast<std::ptrdiff_t>(at) + 1);
        TfCipher s(key);
        TfCipher r(key);
        const auto w = apply_split(s, true, data, sender_split);
        EXPECT_NE(apply_split(r, false, w, receiver_split), data) << "trial " << trial;
    }
}

TEST(TfCipherSplits, EmptyCallsChangeNothing) {
    const std::string key(20, '\x11');
    TfCipher with_empty(key);
    TfCipher without(key);
    std::string a;
    for (const std::string_view chunk : {"", "abc", "", "def"}) {
        a += with_empty.pack(chunk);
    }
    std::string b = without.pack(std::string_view("abc"));
    b += without.pack(std::string_view("def"));
    EXPECT_EQ(a, b);
}

TEST(TfCipherKeys, SizesOutsideSixteenTo214AreRefused) {
    for (const std::size_t size :
         {std::size_t{0}, std::size_t{15}, std::size_t{215}, std::size_t{256}}) {
        const auto result = TfCipher::create(std::string(size, 'k'));
        ASSERT_TRUE(std::holds_alternative<TfCipherError>(result)) << size;
        EXPECT_NE(std::get<TfCipherError>(result).reason.find(std::to_string(size) + " bytes"),
                  std::string::npos)
            << std::get<TfCipherError>(result).reason;
        EXPECT_THROW(TfCipher(std::string(size, 'k')), std::invalid_argument) << size;
    }
    for (const std::size_t size : {std::size_t{16}, std::size_t{214}}) {
        const auto result = TfCipher::create(std::string(size, 'k'));
        ASSERT_TRUE(std::holds_alternative<TfCipher>(result)) << size;
        EXPECT_EQ(std::get<TfCipher>(result).key_size(), size);
    }
}

// The last key byte matters: with a 214-byte key the index wraps at 214, not earlier.
TEST(TfCipherKeys, MaximumKeyUsesEveryByte) {
    std::mt19937 rng(3);
    auto key = random_bytes(rng, 214);
    auto other = key;
    other[213] = static_cast<char>(other[213] ^ 1);
    const std::string data(300, 'x');
    TfCipher a(key);
    TfCipher b(other);
    const auto wa = a.pack(std::string_view(data));
    const auto wb = b.pack(std::string_view(data));
    EXPECT_EQ(wa.substr(0, 213), wb.substr(0, 213));
    EXPECT_NE(wa[213], wb[213]);
}

TEST(TfCipherMessages, PackedTfMessageIsTwoCallsAndDecodesAcrossSegments) {
    std::mt19937 rng(11);
    const auto key = random_bytes(rng, 48);
    TfCipher sender(key);
    std::string wire = pack_tf_message(sender, "0.0");
    wire += pack_tf_message(sender, "XSIME_START");
    wire += pack_tf_message(sender, "");

    // The same bytes as the two calls made by hand.
    TfCipher by_hand(key);
    const auto first = encode_tf_message("0.0");
    // (Two statements: the operands of + are not sequenced, and call order matters.)
    auto expected = by_hand.pack(std::string_view(first).substr(0, 4));
    expected += by_hand.pack(std::string_view(first).substr(4));
    EXPECT_EQ(wire.substr(0, 7), expected);

    TfCipherReceiver receiver(TfCipher{key});
    std::vector<std::string> bodies;
    for (const char byte : wire) {
        receiver.feed(std::string_view(&byte, 1));
        for (int guard = 0; guard < 4; ++guard) {
            auto result = receiver.next_tf_message();
            if (auto* body = std::get_if<std::string>(&result)) {
                bodies.push_back(*body);
                continue;
            }
            ASSERT_TRUE(std::holds_alternative<NeedMore>(result));
            break;
        }
    }
    EXPECT_EQ(bodies, (std::vector<std::string>{"0.0", "XSIME_START", ""}));
    EXPECT_FALSE(receiver.mid_chunk());
}

TEST(TfCipherMessages, OversizedLengthIsAStickyError) {
    const std::string key(16, '\x33');
    TfCipher sender(key);
    const auto wire = pack_tf_message(sender, std::string(100, 'a'));
    TfCipherReceiver receiver(TfCipher{key});
    receiver.feed(wire);
    auto result = receiver.next_tf_message(99);
    ASSERT_TRUE(std::holds_alternative<TfError>(result));
    EXPECT_NE(std::get<TfError>(result).reason.find("100"), std::string::npos);
    EXPECT_TRUE(std::holds_alternative<TfError>(receiver.next_tf_message(1000)));
}

// A sender that writes one call as several TCP segments ciphers each piece as it goes: the
// pieces of one call, packed with pack_part after one begin_call, are the vector's wire bytes.
TEST(TfCipherParts, CallWrittenInPiecesReproducesTheVectors) {
    std::mt19937 rng(7);
    for (const auto& c : load_vectors()) {
        TfCipher sender(c.key);
        TfCipher receiver(c.key);
        for (std::size_t i = 0; i < c.calls.size(); ++i) {
            auto wire = c.calls[i].plain;
            sender.begin_call();
            std::size_t at = 0;
            for (const auto n : random_split(rng, wire.size(), 7)) {
                sender.pack_part(wire.data() + at, n);
                at += n;
            }
            EXPECT_EQ(to_hex(wire), to_hex(c.calls[i].wire)) << "call " << i;
            receiver.begin_call();
            at = 0;
            for (const auto n : random_split(rng, wire.size(), 5)) {
                receiver.unpack_part(wire.data() + at, n);
                at += n;
            }
            EXPECT_EQ(to_hex(wire), to_hex(c.calls[i].plain)) << "call " << i;
        }
    }
}

// Forgetting begin_call() between two calls continues the key index: the second call is then
// ciphered differently from the vector, which is why the call boundary must be explicit.
TEST(TfCipherParts, MissingBeginCallChangesTheOutput) {
    const auto cases = load_vectors();
    const auto& c = cases.front();
    ASSERT_GE(c.calls.size(), 2u);
    TfCipher sender(c.key);
    auto first = c.calls[0].plain;
    sender.begin_call();
    sender.pack_part(first.data(), first.size());
    auto second = c.calls[1].plain;
    sender.pack_part(second.data(), second.size());
    EXPECT_EQ(to_hex(first), to_hex(c.calls[0].wire));
    EXPECT_NE(to_hex(second), to_hex(c.calls[1].wire));
}

} // namespace
} // namespace xsime::protocol
