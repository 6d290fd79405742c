// Unit tests of TfCallSplitter: the cipher-call cuts of a written stream, for whole writes and
// for writes cut anywhere, at the TF level and in the XSIME module.
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/tf_call_splitter.hpp"
#include "protocol/tf_framing.hpp"

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

namespace xsime::protocol {
namespace {

using Piece = TfCallSplitter::Piece;

// The offsets in the stream where a call starts, whatever the writes were.
std::vector<std::size_t> call_starts(TfCallSplitter& splitter, std::string_view stream,
                                     const std::vector<std::size_t>& writes) {
    std::vector<std::size_t> starts;
    std::size_t at = 0;
    for (const auto n : writes) {
        std::size_t piece_at = at;
        std::size_t total = 0;
        for (const auto& piece : splitter.split(stream.substr(at, n))) {
            if (piece.starts_call) {
                starts.push_back(piece_at);
            }
            piece_at += piece.size;
            total += piece.size;
        }
        EXPECT_EQ(total, n) << "pieces must add up to the write";
        at += n;
    }
    return starts;
}

TEST(TfCallSplitter, TfMessageIsLengthThenBody) {
    TfCallSplitter splitter(Direction::to_server);
    const auto message = encode_tf_message("XSIME_START");
    EXPECT_EQ(splitter.split(message), (std::vector<Piece>{{4, true}, {11, true}}));
    ASSERT_TRUE(splitter.last_tf_message());
    EXPECT_EQ(*splitter.last_tf_message(), "XSIME_START");
    // A client's frames may follow XSIME_START at once: the cuts change when it is written.
    EXPECT_EQ(splitter.layer(), TfCallSplitter::Layer::xsime);
    ASSERT_TRUE(splitter.leave_xsime());
    EXPECT_EQ(splitter.layer(), TfCallSplitter::Layer::tf);
}

TEST(TfCallSplitter, FramesPipelinedBehindXsimeStartAreCutAsFrames) {
    TfCallSplitter splitter(Direction::to_server);
    const auto stream =
        encode_tf_message("XSIME_START") + encode_setup(0, 0) + encode_org_unit("/o");
    EXPECT_EQ(
        splitter.split(stream),
        (std::vector<Piece>{{4, true}, {11, true}, {5, true}, {8, true}, {5, true}, {2, true}}));
    EXPECT_FALSE(splitter.lost());
}

TEST(TfCallSplitter, OnlyTheClientDirectionEntersByItself) {
    TfCallSplitter splitter(Direction::to_client);
    splitter.split(encode_tf_message("XSIME_START"));
    EXPECT_EQ(splitter.layer(), TfCallSplitter::Layer::tf);
}

TEST(TfCallSplitter, ZeroLengthTfMessageIsOneCall) {
    TfCallSplitter splitter(Direction::to_server);
    const auto stream = encode_tf_message("") + encode_tf_message("A");
    EXPECT_EQ(splitter.split(stream), (std::vector<Piece>{{4, true}, {4, true}, {1, true}}));
    EXPECT_EQ(*splitter.last_tf_message(), "A");
    EXPECT_EQ(splitter.tf_messages(), 2u);
}

TEST(TfCallSplitter, XsimeFramesAreHeaderThenBody) {
    TfCallSplitter splitter(Direction::to_server);
    ASSERT_TRUE(splitter.enter_xsime());
    // Opcode 4: the 8-byte timestamp is its own call whatever sz (the flags) says.
    EXPECT_EQ(splitter.split(encode_setup(3, 1700000000)),
              (std::vector<Piece>{{5, true}, {8, true}}));
    EXPECT_EQ(splitter.split(encode_org_unit("/ime")), (std::vector<Piece>{{5, true}, {4, true}}));
    EXPECT_EQ(splitter.split(encode_interval(5000000)), (std::vector<Piece>{{5, true}, {8, true}}));
    const std::vector<std::string> to{"bob"};
    EXPECT_EQ(splitter.split(encode_send(to, "hi")), (std::vector<Piece>{{5, true}, {7, true}}));
    EXPECT_EQ(splitter.layer(), TfCallSplitter::Layer::xsime);
}

TEST(TfCallSplitter, ExitReturnsToTheTfLayer) {
    TfCallSplitter splitter(Direction::to_server);
    ASSERT_TRUE(splitter.enter_xsime());
    EXPECT_EQ(splitter.split(encode_exit()), (std::vector<Piece>{{5, true}}));
    EXPECT_EQ(splitter.layer(), TfCallSplitter::Layer::tf);
    // The next bytes are a TF message again: 4 then the body.
    EXPECT_EQ(splitter.split(encode_tf_message("XSIME_START")),
              (std::vector<Piece>{{4, true}, {11, true}}));
}

TEST(TfCallSplitter, ServerExitEchoAndPushesInTheClientDirection) {
    TfCallSplitter splitter(Direction::to_client);
    ASSERT_TRUE(splitter.enter_xsime());
    EXPECT_EQ(splitter.split(encode_status(Opcode::org_unit, true)),
              (std::vector<Piece>{{5, true}}));
    // A status -1 of opcode 5 from a server has no body.
    EXPECT_EQ(splitter.split(encode_status(Opcode::message, false)),
              (std::vector<Piece>{{5, true}}));
    EXPECT_EQ(splitter.split(encode_push("1:a:x")), (std::vector<Piece>{{5, true}, {5, true}}));
    EXPECT_EQ(splitter.split(encode_exit_echo()), (std::vector<Piece>{{5, true}}));
    EXPECT_EQ(splitter.layer(), TfCallSplitter::Layer::tf);
}

// TCP segmentation is independent of calls: whatever the writes, the calls start at the same
// offsets of the stream.
TEST(TfCallSplitter, CallStartsDoNotDependOnHowTheStreamIsWritten) {
    const std::vector<std::string> to{"bob", "carol"};
    const auto module = encode_setup(2, 42) + encode_org_unit("/org") + encode_user("alice") +
                        encode_send(to, "hello there") + encode_interval(1000) + encode_exit();
    const auto tf_after = encode_tf_message("MKDIR /x");
    std::vector<std::size_t> expected;
    {
        TfCallSplitter whole(Direction::to_server);
        ASSERT_TRUE(whole.enter_xsime());
        std::vector<std::size_t> one{module.size() + tf_after.size()};
        expected = call_starts(whole, module + tf_after, one);
    }
    // 5+8, 5+4, 5+5, 5+22, 5+8, 5, then 4+8.
    EXPECT_EQ(expected,
              (std::vector<std::size_t>{0, 5, 13, 18, 22, 27, 32, 37, 59, 64, 72, 77, 81}));
    std::mt19937 rng(11);
    const auto stream = module + tf_after;
    for (int round = 0; round < 200; ++round) {
        std::vector<std::size_t> writes;
        std::uniform_int_distribution<std::size_t> length(1, 9);
        for (std::size_t done = 0; done < stream.size();) {
            const auto n = std::min(length(rng), stream.size() - done);
            writes.push_back(n);
            done += n;
        }
        TfCallSplitter splitter(Direction::to_server);
        ASSERT_TRUE(splitter.enter_xsime());
        EXPECT_EQ(call_starts(splitter, stream, writes), expected) << "round " << round;
    }
}

TEST(TfCallSplitter, EnteringXsimeOnlyBetweenUnits) {
    TfCallSplitter splitter(Direction::to_server);
    const auto message = encode_tf_message("MKDIR /x");
    splitter.split(std::string_view(message).substr(0, 6));
    EXPECT_FALSE(splitter.at_unit_boundary());
    EXPECT_FALSE(splitter.enter_xsime());
    EXPECT_EQ(splitter.layer(), TfCallSplitter::Layer::tf);
    splitter.split(std::string_view(message).substr(6));
    EXPECT_TRUE(splitter.enter_xsime());
}

TEST(TfCallSplitter, UnknownOpcodeWithSaneSizeKeepsTheStructure) {
    TfCallSplitter splitter(Direction::to_server);
    ASSERT_TRUE(splitter.enter_xsime());
    const auto frame = encode_header(Header{0x09, 3}) + "abc";
    EXPECT_EQ(splitter.split(frame), (std::vector<Piece>{{5, true}, {3, true}}));
    EXPECT_FALSE(splitter.lost());
}

TEST(TfCallSplitter, NegativeSizeLosesTheStructure) {
    TfCallSplitter splitter(Direction::to_server);
    ASSERT_TRUE(splitter.enter_xsime());
    const auto frame = encode_header(Header{0x05, -1}) + "abcdef";
    EXPECT_EQ(splitter.split(frame), (std::vector<Piece>{{5, true}, {6, true}}));
    EXPECT_TRUE(splitter.lost());
    // From then on each write is a call of its own.
    EXPECT_EQ(splitter.split("xyz"), (std::vector<Piece>{{3, true}}));
    EXPECT_FALSE(splitter.enter_xsime());
}

TEST(TfCallSplitter, OversizedTfLengthLosesTheStructure) {
    TfCallSplitter splitter(Direction::to_server);
    const std::string length("\x7f\xff\xff\xff", 4);
    EXPECT_EQ(splitter.split(length + "ab"), (std::vector<Piece>{{4, true}, {2, true}}));
    EXPECT_TRUE(splitter.lost());
}

} // namespace
} // namespace xsime::protocol
