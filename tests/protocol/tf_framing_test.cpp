// Unit tests of TF command framing: layout, incremental decoding, limits, hand-over to XSIME.
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"
#include "protocol/tf_framing.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace xsime::protocol {
namespace {

using namespace std::string_literals;

std::string describe_result(const TfDecodeResult& result) {
    if (const auto* body = std::get_if<std::string>(&result)) {
        return "message " + *body;
    }
    if (const auto* error = std::get_if<TfError>(&result)) {
        return "error " + error->reason;
    }
    return "need " + std::to_string(std::get<NeedMore>(result).missing);
}

std::string message_of(const TfDecodeResult& result) {
    if (const auto* body = std::get_if<std::string>(&result)) {
        return *body;
    }
    ADD_FAILURE() << "expected a message, got " << describe_result(result);
    return {};
}

std::string error_of(const TfDecodeResult& result) {
    if (const auto* error = std::get_if<TfError>(&result)) {
        return error->reason;
    }
    ADD_FAILURE() << "expected an error, got " << describe_result(result);
    return {};
}

// Feeds `stream` cut at the given offsets and records every message or error, stopping at
// the first error (they are sticky), then the pending NeedMore.
std::vector<std::string> decode_split(std::string_view stream,
                                      const std::vector<std::size_t>& cuts) {
    TfDecoder decoder;
    std::vector<std::string> out;
    std::size_t start = 0;
    auto ends = cuts;
    ends.push_back(stream.size());
    for (const auto end : ends) {
        decoder.feed(stream.substr(start, end - start));
        start = end;
        for (;;) {
            auto result = decoder.next();
            if (std::holds_alternative<NeedMore>(result)) {
                break;
            }
            out.push_back(describe_result(result));
            if (std::holds_alternative<TfError>(result)) {
                return out;
            }
        }
    }
    out.push_back("end " + describe_result(decoder.next()));
    return out;
}

TEST(TfEncode, LengthPrefixIsFourBigEndianBytes) {
    EXPECT_EQ(encode_tf_message("OK"), "\x00\x00\x00\x02OK"s);
    EXPECT_EQ(encode_tf_message(""), "\x00\x00\x00\x00"s);
    EXPECT_EQ(encode_tf_message(tf_xsime_start), "\x00\x00\x00\x0bXSIME_START"s);
    const std::string body(0x0102, 'b');
    EXPECT_EQ(encode_tf_message(body), "\x00\x00\x01\x02"s + body);
}

TEST(TfDecode, OneMessage) {
    const auto step = decode_tf_message(encode_tf_message("OK") + "tail");
    EXPECT_EQ(message_of(step.result), "OK");
    EXPECT_EQ(step.consumed, 6u);
}

TEST(TfDecode, EmptyBody) {
    TfDecoder decoder;
    decoder.feed(encode_tf_message("") + encode_tf_message("END"));
    EXPECT_EQ(message_of(decoder.next()), "");
    EXPECT_EQ(message_of(decoder.next()), "END");
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, tf_length_size);
    EXPECT_FALSE(decoder.mid_frame());
}

TEST(TfDecode, NeedMoreCountsMissingBytes) {
    EXPECT_EQ(std::get<NeedMore>(decode_tf_message("").result).missing, 4u);
    EXPECT_EQ(std::get<NeedMore>(decode_tf_message("\x00\x00"s).result).missing, 2u);
    const auto step = decode_tf_message("\x00\x00\x00\x05OK"s);
    EXPECT_EQ(std::get<NeedMore>(step.result).missing, 3u);
    EXPECT_EQ(step.consumed, 0u);
}

TEST(TfDecode, BodyKeepsAnyBytes) {
    const std::string body = "FAILED \0\xff:x"s;
    EXPECT_EQ(message_of(decode_tf_message(encode_tf_message(body)).result), body);
}

TEST(TfDecode, SeveralMessagesInOneFeed) {
    TfDecoder decoder;
    decoder.feed(encode_tf_message("OK") +
                 encode_tf_message("FAILED 1: Thread allocation failed.") +
                 encode_tf_message(tf_unknown));
    EXPECT_EQ(message_of(decoder.next()), "OK");
    EXPECT_EQ(message_of(decoder.next()), "FAILED 1: Thread allocation failed.");
    EXPECT_EQ(message_of(decoder.next()), "UNKNOWN");
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
}

TEST(TfDecode, EverySplitPointYieldsTheSameMessages) {
    const std::string stream = encode_tf_message("XSIME_START") + encode_tf_message("") +
                               encode_tf_message("OK") + encode_tf_message(std::string(300, 'z'));
    const auto expected = decode_split(stream, {});
    ASSERT_EQ(expected.size(), 5u);
    EXPECT_EQ(expected[0], "message XSIME_START");
    EXPECT_EQ(expected[1], "message ");
    EXPECT_EQ(expected[4], "end need 4");
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        ASSERT_EQ(decode_split(stream, {cut}), expected) << cut;
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) {
        every.push_back(i);
    }
    EXPECT_EQ(decode_split(stream, every), expected);
}

TEST(TfDecode, MidFrameWhilePartial) {
    TfDecoder decoder;
    EXPECT_FALSE(decoder.mid_frame());
    decoder.feed("\x00\x00"s);
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
    EXPECT_TRUE(decoder.mid_frame());
    decoder.feed("\x00\x02O"s);
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
    EXPECT_TRUE(decoder.mid_frame());
    decoder.feed("K");
    EXPECT_EQ(message_of(decoder.next()), "OK");
    EXPECT_FALSE(decoder.mid_frame());
}

TEST(TfDecode, NegativeLengthIsAStickyError) {
    TfDecoder decoder;
    decoder.feed("\xff\xff\xff\xff"s + encode_tf_message("OK"));
    const auto reason = error_of(decoder.next());
    EXPECT_NE(reason.find("-1"), std::string::npos) << reason;
    EXPECT_NE(reason.find("negative"), std::string::npos) << reason;
    decoder.feed(encode_tf_message("OK"));
    EXPECT_EQ(error_of(decoder.next()), reason);
    EXPECT_EQ(error_of(decoder.next()), reason);
}

TEST(TfDecode, OverLimitLengthIsAStickyError) {
    // At the limit is fine; one byte over is not, and is reported before the body arrives.
    TfDecoder small(10);
    small.feed(encode_tf_message(std::string(10, 'a')));
    EXPECT_EQ(message_of(small.next()), std::string(10, 'a'));
    small.feed("\x00\x00\x00\x0b"s);
    const auto reason = error_of(small.next());
    EXPECT_NE(reason.find("11"), std::string::npos) << reason;
    EXPECT_NE(reason.find("10-byte limit"), std::string::npos) << reason;
    small.feed(encode_tf_message("OK"));
    EXPECT_EQ(error_of(small.next()), reason);

    const auto step = decode_tf_message("\x00\x01\x00\x01"s);
    EXPECT_EQ(step.consumed, tf_length_size);
    EXPECT_NE(error_of(step.result).find("65537"), std::string::npos);
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decode_tf_message("\x00\x01\x00\x00"s).result));
}

TEST(TfDecode, TakeBufferedLeavesXsimeBytesForTheFrameDecoder) {
    // A client that sends XSIME frames right behind its XSIME_START, in one write.
    const std::vector<std::string> to{"bob"};
    const std::string xsime =
        encode_setup(flag_auto_delete, 0) + encode_org_unit("/ime") + encode_send(to, "hi");
    TfDecoder tf;
    tf.feed(encode_tf_message(tf_xsime_start) + xsime);
    EXPECT_EQ(message_of(tf.next()), tf_xsime_start);
    EXPECT_TRUE(tf.mid_frame());
    const auto rest = tf.take_buffered();
    EXPECT_EQ(rest, xsime);
    EXPECT_FALSE(tf.mid_frame());
    EXPECT_TRUE(std::holds_alternative<NeedMore>(tf.next()));

    StreamDecoder frames(Direction::to_server);
    frames.feed(rest);
    for (const std::uint8_t op :
         {raw(Opcode::setup), raw(Opcode::org_unit), raw(Opcode::message)}) {
        const auto result = frames.next();
        ASSERT_TRUE(std::holds_alternative<Frame>(result));
        EXPECT_EQ(std::get<Frame>(result).header.opcode, op);
    }
    EXPECT_TRUE(std::holds_alternative<NeedMore>(frames.next()));
    EXPECT_FALSE(frames.mid_frame());
}

// ---- missing(): the size of the next TF cipher call ----

TEST(TfMissing, LengthThenBodyThenLengthAgain) {
    TfDecoder decoder;
    EXPECT_EQ(decoder.missing(), tf_length_size) << "nothing buffered: a length comes next";
    decoder.feed("\x00\x00"s);
    EXPECT_EQ(decoder.missing(), 2u);
    decoder.feed("\x00\x0b"s);
    EXPECT_EQ(decoder.missing(), 11u) << "the length is in: the body comes next";
    decoder.feed("XSIME_STAR");
    EXPECT_EQ(decoder.missing(), 1u);
    decoder.feed("T");
    EXPECT_EQ(decoder.missing(), 0u) << "a whole message is buffered";
    EXPECT_EQ(message_of(decoder.next()), tf_xsime_start);
    EXPECT_EQ(decoder.missing(), tf_length_size);
}

TEST(TfMissing, ZeroWhenAnEmptyBodyIsComplete) {
    TfDecoder decoder;
    decoder.feed(encode_tf_message(""));
    EXPECT_EQ(decoder.missing(), 0u);
    EXPECT_EQ(message_of(decoder.next()), "");
    EXPECT_EQ(decoder.missing(), tf_length_size);
}

TEST(TfMissing, ZeroOnABadLengthBeforeAndAfterNext) {
    TfDecoder negative;
    negative.feed("\xff\xff\xff\xff"s);
    EXPECT_EQ(negative.missing(), 0u) << "an error is buffered, not a partial message";
    error_of(negative.next());
    EXPECT_EQ(negative.missing(), 0u) << "errors are sticky";
    negative.feed(encode_tf_message("OK"));
    EXPECT_EQ(negative.missing(), 0u);

    TfDecoder small(10);
    small.feed("\x00\x00\x00\x0a"s);
    EXPECT_EQ(small.missing(), 10u) << "at the limit";
    small.feed(std::string(10, 'a'));
    small.next();
    small.feed("\x00\x00\x00\x0b"s);
    EXPECT_EQ(small.missing(), 0u) << "one over the limit";
}

// A peer that reads exactly missing() bytes at a time reads the calls a TF sender makes:
// the length, then the body (an empty body is no call at all).
TEST(TfMissing, ReadingMissingBytesFollowsTheCallCuts) {
    const std::string stream = encode_tf_message("MKDIR /a b") + encode_tf_message("") +
                               encode_tf_message(std::string(300, 'z'));
    TfDecoder decoder;
    std::vector<std::size_t> calls;
    std::vector<std::string> messages;
    for (std::size_t at = 0; at < stream.size();) {
        const auto n = decoder.missing();
        ASSERT_GT(n, 0u) << at;
        ASSERT_LE(at + n, stream.size());
        decoder.feed(std::string_view(stream).substr(at, n));
        at += n;
        calls.push_back(n);
        while (decoder.missing() == 0) {
            auto result = decoder.next();
            ASSERT_TRUE(std::holds_alternative<std::string>(result)) << describe_result(result);
            messages.push_back(std::get<std::string>(std::move(result)));
        }
    }
    EXPECT_EQ(calls, (std::vector<std::size_t>{4, 10, 4, 4, 300}));
    EXPECT_EQ(messages, (std::vector<std::string>{"MKDIR /a b", "", std::string(300, 'z')}));
    EXPECT_FALSE(decoder.mid_frame());
}

// ---- NeedMore without decoding again, reset() ----

// After every byte, next()'s NeedMore and missing() are what the stateless decoder says of
// the bytes buffered, up to the over-limit length that ends the stream.
TEST(TfNeedMore, ByteByByteAgreesWithTheStatelessDecoder) {
    const std::string stream = encode_tf_message("MKDIR /a b") + encode_tf_message("") +
                               encode_tf_message(std::string(20, 'z')) + "\x00\x00\x01\x00"s;
    TfDecoder decoder(64);
    std::string buffered;
    bool failed = false;
    for (std::size_t at = 0; at < stream.size() && !failed; ++at) {
        decoder.feed(std::string_view(stream).substr(at, 1));
        buffered += stream[at];
        for (;;) {
            const auto expected = decode_tf_message(buffered, 64);
            const auto* need = std::get_if<NeedMore>(&expected.result);
            EXPECT_EQ(decoder.missing(), need != nullptr ? need->missing : 0u);
            const auto result = decoder.next();
            ASSERT_EQ(describe_result(result), describe_result(expected.result));
            buffered.erase(0, expected.consumed);
            failed = std::holds_alternative<TfError>(result);
            if (need != nullptr || failed) {
                break;
            }
        }
    }
    EXPECT_TRUE(failed) << "the last length is over the limit";
}

TEST(TfNeedMore, TakeBufferedForgetsTheMessageBeingRead) {
    TfDecoder decoder;
    const std::string partial = "\x00\x00\x00\x64"s + "ab";
    decoder.feed(partial);
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, 98u);
    EXPECT_EQ(decoder.take_buffered(), partial);
    decoder.feed("\x00\x00"s);
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, 2u);
    decoder.feed("\x00\x02OK"s);
    EXPECT_EQ(message_of(decoder.next()), "OK");
}

TEST(TfReset, ActsAsANewDecoder) {
    TfDecoder decoder(16);
    decoder.feed("\x00\x00\x00\x05"s + "ab"); // partial message
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
    decoder.reset();
    EXPECT_FALSE(decoder.mid_frame());
    EXPECT_EQ(decoder.missing(), tf_length_size);
    decoder.feed(encode_tf_message("OK"));
    EXPECT_EQ(message_of(decoder.next()), "OK");

    decoder.feed("\x00\x00\x00\x11"s); // over the limit of 16: a sticky error
    error_of(decoder.next());
    error_of(decoder.next());
    decoder.reset();
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, tf_length_size);
    decoder.feed(encode_tf_message(std::string(16, 'x')));
    EXPECT_EQ(message_of(decoder.next()), std::string(16, 'x')) << "the limit is kept";
}

} // namespace
} // namespace xsime::protocol
