// Unit tests of the XSIME frame decoder: body rules, limits, errors, any split of the stream.
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/stream_decoder.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <utility>
#include <vector>

namespace xsime::protocol {
namespace {

using namespace std::string_literals;

constexpr auto to_server = Direction::to_server;
constexpr auto to_client = Direction::to_client;

std::string header(std::uint8_t opcode, std::int32_t sz) {
    return encode_header({opcode, sz});
}

std::string frame_bytes(std::uint8_t opcode, std::int32_t sz, std::string_view body) {
    return header(opcode, sz) + std::string(body);
}

std::string describe_kind(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::negative_size:
        return "negative_size";
    case ErrorKind::oversized_payload:
        return "oversized_payload";
    case ErrorKind::unknown_opcode:
        return "unknown_opcode";
    }
    return "?";
}

// One decoder output as text: comparisons of whole sequences then print readable diffs.
std::string describe_result(const DecodeResult& result) {
    if (const auto* frame = std::get_if<Frame>(&result)) {
        return "frame op=" + std::to_string(frame->header.opcode) +
               " sz=" + std::to_string(frame->header.sz) + " payload=" + frame->payload;
    }
    if (const auto* error = std::get_if<ProtocolError>(&result)) {
        return std::string(error->fatal ? "fatal " : "error ") + describe_kind(error->kind) +
               " op=" + std::to_string(error->header.opcode) +
               " sz=" + std::to_string(error->header.sz) + ": " + error->reason;
    }
    return "need " + std::to_string(std::get<NeedMore>(result).missing);
}

// Everything the decoder can yield now, up to and including the terminating NeedMore or
// fatal error (which is sticky, so asking again would loop forever).
void drain(StreamDecoder& decoder, std::vector<std::string>& out, bool& done) {
    for (;;) {
        auto result = decoder.next();
        if (std::holds_alternative<NeedMore>(result)) {
            return;
        }
        out.push_back(describe_result(result));
        if (const auto* error = std::get_if<ProtocolError>(&result); error && error->fatal) {
            done = true;
            return;
        }
    }
}

// Feeds `stream` cut at the given offsets (ascending) and records every output, then
// the final state: the pending NeedMore and how many bytes remain buffered.
std::vector<std::string> decode_split(std::string_view stream, Direction direction,
                                      const std::vector<std::size_t>& cuts) {
    StreamDecoder decoder(direction);
    std::vector<std::string> out;
    bool done = false;
    std::size_t start = 0;
    auto feed = [&](std::size_t end) {
        if (!done) {
            decoder.feed(stream.substr(start, end - start));
            drain(decoder, out, done);
        }
        start = end;
    };
    for (const auto cut : cuts) {
        feed(cut);
    }
    feed(stream.size());
    if (!done) {
        out.push_back("end " + describe_result(decoder.next()) +
                      " buffered=" + std::to_string(decoder.buffered()));
    }
    return out;
}

std::vector<std::string> decode_whole(std::string_view stream, Direction direction) {
    return decode_split(stream, direction, {});
}

Frame frame_of(const DecodeResult& result) {
    if (const auto* frame = std::get_if<Frame>(&result)) {
        return *frame;
    }
    ADD_FAILURE() << "expected a frame, got " << describe_result(result);
    return {};
}

// Decodes exactly one frame from a fresh decoder fed `bytes`, and checks it used them all.
Frame one_frame(std::string_view bytes, Direction direction) {
    const auto step = decode_frame(bytes, direction);
    if (!std::holds_alternative<Frame>(step.result)) {
        ADD_FAILURE() << describe_result(step.result);
        return {};
    }
    EXPECT_EQ(step.consumed, bytes.size());
    return std::get<Frame>(step.result);
}

ProtocolError one_error(std::string_view bytes, Direction direction) {
    const auto step = decode_frame(bytes, direction);
    if (!std::holds_alternative<ProtocolError>(step.result)) {
        ADD_FAILURE() << describe_result(step.result);
        return {};
    }
    return std::get<ProtocolError>(step.result);
}

std::size_t missing(std::string_view bytes, Direction direction) {
    const auto step = decode_frame(bytes, direction);
    EXPECT_EQ(step.consumed, 0u);
    if (!std::holds_alternative<NeedMore>(step.result)) {
        ADD_FAILURE() << describe_result(step.result);
        return 0;
    }
    return std::get<NeedMore>(step.result).missing;
}

// ---- body rules, client to server ----

TEST(ToServer, ExitIsAHeaderOnly) {
    EXPECT_EQ(one_frame(encode_exit(), to_server), (Frame{{0x00, 0}, ""}));
    // `sz` does not announce a body for opcode 0: the next byte starts the next frame.
    const auto step = decode_frame(header(0x00, 3) + "abc", to_server);
    ASSERT_TRUE(std::holds_alternative<Frame>(step.result));
    EXPECT_EQ(std::get<Frame>(step.result), (Frame{{0x00, 3}, ""}));
    EXPECT_EQ(step.consumed, header_size);
}

TEST(ToServer, PathsAndMessagesCarrySzBytes) {
    EXPECT_EQ(one_frame(encode_org_unit("/ime"), to_server), (Frame{{0x01, 4}, "/ime"}));
    EXPECT_EQ(one_frame(encode_user("alice"), to_server), (Frame{{0x02, 5}, "alice"}));
    const std::vector<std::string> to{"bob"};
    EXPECT_EQ(one_frame(encode_send(to, "hi"), to_server), (Frame{{0x05, 7}, "bob: hi"}));
    EXPECT_EQ(one_frame(header(0x05, 0), to_server), (Frame{{0x05, 0}, ""}));
    EXPECT_EQ(missing(header(0x01, 4) + "/i", to_server), 2u);
}

TEST(ToServer, SetupAndIntervalAreEightBytesWhateverSz) {
    const std::string eight = "\x01\x02\x03\x04\x05\x06\x07\x08";
    EXPECT_EQ(one_frame(encode_setup(3, 0x0102030405060708ULL), to_server),
              (Frame{{0x04, 3}, eight}));
    EXPECT_EQ(one_frame(encode_interval(0x0102030405060708ULL), to_server),
              (Frame{{0x07, 8}, eight}));
    for (const std::int32_t sz : {0, 1, 2, 7, 9, 100, max_payload + 1, -1, INT32_MIN}) {
        EXPECT_EQ(one_frame(frame_bytes(0x04, sz, eight), to_server), (Frame{{0x04, sz}, eight}))
            << sz;
        EXPECT_EQ(one_frame(frame_bytes(0x07, sz, eight), to_server), (Frame{{0x07, sz}, eight}))
            << sz;
        EXPECT_EQ(missing(frame_bytes(0x07, sz, "1234567"), to_server), 1u) << sz;
    }
}

TEST(ToServer, MessageWithMinusOneIsANegativeSize) {
    const auto error = one_error(header(0x05, -1), to_server);
    EXPECT_EQ(error.kind, ErrorKind::negative_size);
    EXPECT_TRUE(error.fatal);
    EXPECT_EQ(error.header, (Header{0x05, -1}));
}

// ---- body rules, server to client ----

TEST(ToClient, StatusRepliesAreAHeaderOnly) {
    for (const std::uint8_t op : std::initializer_list<std::uint8_t>{0x00, 0x01, 0x02}) {
        for (const std::int32_t sz : {0, -1, 5}) {
            const auto step = decode_frame(header(op, sz) + "xyz", to_client);
            ASSERT_TRUE(std::holds_alternative<Frame>(step.result)) << int{op} << " " << sz;
            EXPECT_EQ(std::get<Frame>(step.result), (Frame{{op, sz}, ""}));
            EXPECT_EQ(step.consumed, header_size);
        }
    }
}

TEST(ToClient, MessageMinusOneIsABareStatus) {
    EXPECT_EQ(one_frame(encode_status(Opcode::message, false), to_client), (Frame{{0x05, -1}, ""}));
}

TEST(ToClient, PushCarriesSzBytes) {
    const auto payload = format_push_payload(1700000000, "alice", "hi: there");
    EXPECT_EQ(one_frame(encode_push(payload), to_client),
              (Frame{{0x05, static_cast<std::int32_t>(payload.size())}, payload}));
}

TEST(ToClient, OtherNegativeMessageSizesAreFatal) {
    for (const std::int32_t sz : {-2, INT32_MIN}) {
        const auto error = one_error(header(0x05, sz), to_client);
        EXPECT_EQ(error.kind, ErrorKind::negative_size);
        EXPECT_TRUE(error.fatal);
    }
}

TEST(ToClient, SetupAndIntervalFromAServerAreUnknownOpcodes) {
    for (const std::uint8_t op : std::initializer_list<std::uint8_t>{0x04, 0x07}) {
        const auto step = decode_frame(frame_bytes(op, 8, "12345678"), to_client);
        ASSERT_TRUE(std::holds_alternative<ProtocolError>(step.result));
        const auto& error = std::get<ProtocolError>(step.result);
        EXPECT_EQ(error.kind, ErrorKind::unknown_opcode);
        EXPECT_FALSE(error.fatal);
        EXPECT_NE(error.reason.find("not sent by servers"), std::string::npos) << error.reason;
        EXPECT_EQ(step.consumed, header_size + 8);

        const auto bad = one_error(header(op, -1), to_client);
        EXPECT_EQ(bad.kind, ErrorKind::unknown_opcode);
        EXPECT_TRUE(bad.fatal);
    }
}

// ---- payload limits ----

TEST(Limits, PayloadBoundaries) {
    for (const auto direction : {to_server, to_client}) {
        for (const std::uint8_t op : std::initializer_list<std::uint8_t>{0x01, 0x02, 0x05}) {
            if (direction == to_client && op != 0x05) {
                continue; // status replies carry no payload
            }
            for (const std::int32_t sz : {0, 1, max_payload - 1, max_payload}) {
                const std::string body(static_cast<std::size_t>(sz), 'm');
                EXPECT_EQ(one_frame(frame_bytes(op, sz, body), direction), (Frame{{op, sz}, body}))
                    << sz;
            }
            const auto error = one_error(header(op, max_payload + 1), direction);
            EXPECT_EQ(error.kind, ErrorKind::oversized_payload);
            EXPECT_TRUE(error.fatal);
            EXPECT_NE(error.reason.find("16385"), std::string::npos) << error.reason;
            // The error is reported as soon as the header is in, not after 16385 more bytes.
            EXPECT_EQ(decode_frame(header(op, max_payload + 1), direction).consumed, header_size);
            EXPECT_EQ(one_error(header(op, INT32_MAX), direction).kind,
                      ErrorKind::oversized_payload);
        }
    }
}

TEST(Limits, NegativeSizeIsFatal) {
    for (const std::uint8_t op : std::initializer_list<std::uint8_t>{0x01, 0x02, 0x05}) {
        for (const std::int32_t sz : {-1, -16384, INT32_MIN}) {
            const auto error = one_error(header(op, sz), to_server);
            EXPECT_EQ(error.kind, ErrorKind::negative_size);
            EXPECT_TRUE(error.fatal);
            EXPECT_EQ(error.header, (Header{op, sz}));
            EXPECT_NE(error.reason.find(std::to_string(sz)), std::string::npos) << error.reason;
        }
    }
}

// ---- unknown opcodes ----

TEST(UnknownOpcode, SaneSizeIsSkippedAndDecodingGoesOn) {
    for (const auto direction : {to_server, to_client}) {
        StreamDecoder decoder(direction);
        decoder.feed(frame_bytes(0x09, 3, "abc") + encode_exit());
        auto first = decoder.next();
        ASSERT_TRUE(std::holds_alternative<ProtocolError>(first)) << describe_result(first);
        const auto& error = std::get<ProtocolError>(first);
        EXPECT_EQ(error.kind, ErrorKind::unknown_opcode);
        EXPECT_FALSE(error.fatal);
        EXPECT_EQ(error.header, (Header{0x09, 3}));
        EXPECT_NE(error.reason.find("0x09"), std::string::npos) << error.reason;
        EXPECT_NE(error.reason.find("skipped"), std::string::npos) << error.reason;
        EXPECT_FALSE(decoder.failed());
        EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x00, 0}, ""}));
        EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
        EXPECT_FALSE(decoder.mid_frame());
    }
}

TEST(UnknownOpcode, WaitsForTheWholePayloadBeforeReporting) {
    StreamDecoder decoder(to_server);
    decoder.feed(header(0xee, 4) + "ab");
    const auto result = decoder.next();
    ASSERT_TRUE(std::holds_alternative<NeedMore>(result));
    EXPECT_EQ(std::get<NeedMore>(result).missing, 2u);
    decoder.feed("cd");
    EXPECT_TRUE(std::holds_alternative<ProtocolError>(decoder.next()));
    EXPECT_FALSE(decoder.mid_frame());
}

TEST(UnknownOpcode, UnusableSizeIsFatal) {
    for (const std::int32_t sz : {-1, max_payload + 1}) {
        const auto error = one_error(header(0x09, sz), to_server);
        EXPECT_EQ(error.kind, ErrorKind::unknown_opcode);
        EXPECT_TRUE(error.fatal);
        EXPECT_NE(error.reason.find("resynchronise"), std::string::npos) << error.reason;
    }
}

TEST(UnknownOpcode, AsciiDigitCarriesTheHint) {
    const auto error = one_error(header('5', 0), to_server);
    EXPECT_EQ(error.kind, ErrorKind::unknown_opcode);
    EXPECT_NE(error.reason.find("opcode 0x35 looks like ASCII '5'"), std::string::npos)
        << error.reason;
    // A literal '5' client frame usually also has its size as text, far over the limit.
    const auto fatal = one_error("50007", to_client);
    EXPECT_NE(fatal.reason.find("0x35 looks like ASCII '5'"), std::string::npos) << fatal.reason;
    // '3' is not the digit of an opcode, so it gets no hint.
    EXPECT_EQ(one_error(header('3', 0), to_server).reason.find("ASCII"), std::string::npos);
}

// ---- sticky fatal errors ----

TEST(Fatal, ErrorsAreSticky) {
    StreamDecoder decoder(to_server);
    decoder.feed(header(0x01, -1) + encode_exit());
    const auto first = decoder.next();
    ASSERT_TRUE(std::holds_alternative<ProtocolError>(first));
    EXPECT_TRUE(decoder.failed());
    decoder.feed(encode_exit());
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(describe_result(decoder.next()), describe_result(first));
    }
    EXPECT_TRUE(decoder.failed());
}

TEST(Fatal, NonFatalErrorsAreNotSticky) {
    StreamDecoder decoder(to_client);
    decoder.feed(frame_bytes(0x04, 0, ""));
    EXPECT_TRUE(std::holds_alternative<ProtocolError>(decoder.next()));
    EXPECT_FALSE(decoder.failed());
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
}

// ---- buffering ----

TEST(Buffering, NeedMoreCountsMissingBytes) {
    EXPECT_EQ(missing("", to_server), 5u);
    EXPECT_EQ(missing("\x01\x00"s, to_server), 3u);
    EXPECT_EQ(missing(header(0x01, 10) + "abcd", to_server), 6u);
    EXPECT_EQ(missing(header(0x04, 0), to_server), 8u);
}

TEST(Buffering, SeveralFramesInOneFeed) {
    StreamDecoder decoder(to_client);
    decoder.feed(encode_status(Opcode::org_unit, true) + encode_status(Opcode::user, false) +
                 encode_push("1:a:x") + encode_exit_echo());
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x01, 0}, ""}));
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x02, -1}, ""}));
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x05, 5}, "1:a:x"}));
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x00, 0}, ""}));
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
}

TEST(Buffering, MidFrameWhileAPartialFrameIsBuffered) {
    StreamDecoder decoder(to_server);
    EXPECT_FALSE(decoder.mid_frame());
    const auto org = encode_org_unit("/ime");
    decoder.feed(org.substr(0, 2)); // part of a header
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
    EXPECT_TRUE(decoder.mid_frame());
    decoder.feed(org.substr(2, 5)); // header done, payload partial
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
    EXPECT_TRUE(decoder.mid_frame());
    decoder.feed(org.substr(7));
    EXPECT_TRUE(std::holds_alternative<Frame>(decoder.next()));
    EXPECT_FALSE(decoder.mid_frame());
    EXPECT_EQ(decoder.buffered(), 0u);
    decoder.feed(encode_exit() + encode_user("a").substr(0, 1));
    EXPECT_TRUE(std::holds_alternative<Frame>(decoder.next()));
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
    EXPECT_TRUE(decoder.mid_frame());
    EXPECT_EQ(decoder.buffered(), 1u);
}

TEST(Buffering, TakeBufferedHandsOverTheRest) {
    StreamDecoder decoder(to_client);
    const std::string tf_reply = "\x00\x00\x00\x02OK"s;
    decoder.feed(encode_exit_echo() + tf_reply);
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x00, 0}, ""}));
    // The caller stops after opcode 0: what follows belongs to the TF command level.
    EXPECT_EQ(decoder.take_buffered(), tf_reply);
    EXPECT_FALSE(decoder.mid_frame());
    EXPECT_EQ(decoder.buffered(), 0u);
    EXPECT_EQ(decoder.take_buffered(), "");
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, header_size);
}

// ---- the incremental property ----

// Every kind of frame a client sends, including an unknown opcode that is skipped.
std::string client_stream() {
    const std::vector<std::string> one{"bob"};
    const std::vector<std::string> many{"bob", "carol", "dave"};
    return encode_setup(flag_unique_user | flag_auto_delete, 1700000000) + encode_org_unit("/ime") +
           encode_user("alice") + encode_send(one, "hi") + encode_send(many, "a: b\0c"s) +
           encode_interval(25000000) + frame_bytes(0x09, 2, "zz") + frame_bytes(0x05, 0, "") +
           encode_setup(0, 0) + encode_exit();
}

// Every kind of frame a server sends, including a setup it should not send.
std::string server_stream() {
    return encode_status(Opcode::org_unit, true) + encode_status(Opcode::user, false) +
           encode_push(format_push_payload(1700000000, "bob", "hello: you")) +
           encode_status(Opcode::message, false) + frame_bytes(0x04, 1, "x") +
           encode_push(format_push_payload(1, "c", "")) + encode_exit_echo();
}

std::vector<std::size_t> all_cut_points(std::size_t n) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < n; ++i) {
        cuts.push_back(i);
    }
    return cuts;
}

TEST(Incremental, WholeStreamsDecodeAsExpected) {
    const auto client = decode_whole(client_stream(), to_server);
    ASSERT_EQ(client.size(), 11u);
    EXPECT_EQ(client[0].substr(0, 16), "frame op=4 sz=3 ");
    EXPECT_EQ(client[4], "frame op=5 sz=22 payload=bob:carol:dave: a: b\0c"s);
    EXPECT_EQ(client[6].substr(0, 20), "error unknown_opcode");
    EXPECT_EQ(client[9], "frame op=0 sz=0 payload=");
    EXPECT_EQ(client[10], "end need 5 buffered=0");

    const auto server = decode_whole(server_stream(), to_client);
    ASSERT_EQ(server.size(), 8u);
    EXPECT_EQ(server[3], "frame op=5 sz=-1 payload=");
    EXPECT_EQ(server[4].substr(0, 20), "error unknown_opcode");
    EXPECT_EQ(server[5], "frame op=5 sz=4 payload=1:c:");
}

TEST(Incremental, EverySplitPointYieldsTheSameFrames) {
    for (const auto direction : {to_server, to_client}) {
        const auto stream = direction == to_server ? client_stream() : server_stream();
        const auto expected = decode_whole(stream, direction);
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            ASSERT_EQ(decode_split(stream, direction, {cut}), expected) << "cut at " << cut;
        }
    }
}

TEST(Incremental, EveryPairOfSplitPointsYieldsTheSameFrames) {
    const std::vector<std::string> one{"b"};
    const std::string stream = encode_setup(1, 2) + encode_user("al") + frame_bytes(0x08, 1, "q") +
                               encode_send(one, "x y") + encode_exit();
    const auto expected = decode_whole(stream, to_server);
    ASSERT_EQ(expected.size(), 6u);
    for (std::size_t a = 0; a <= stream.size(); ++a) {
        for (std::size_t b = a; b <= stream.size(); ++b) {
            ASSERT_EQ(decode_split(stream, to_server, {a, b}), expected) << a << ", " << b;
        }
    }
}

TEST(Incremental, OneByteAtATimeYieldsTheSameFrames) {
    for (const auto direction : {to_server, to_client}) {
        const auto stream = direction == to_server ? client_stream() : server_stream();
        EXPECT_EQ(decode_split(stream, direction, all_cut_points(stream.size())),
                  decode_whole(stream, direction));
    }
}

TEST(Incremental, SplitsBeforeAFatalErrorYieldTheSameOutput) {
    // Frames, then an oversized header, then bytes that must never be decoded.
    const std::string stream = encode_org_unit("/ime") + header(0x05, max_payload + 1) +
                               encode_exit() + std::string(20, '\x05');
    const auto expected = decode_whole(stream, to_server);
    ASSERT_EQ(expected.size(), 2u);
    EXPECT_EQ(expected[1].substr(0, 23), "fatal oversized_payload");
    EXPECT_EQ(decode_split(stream, to_server, all_cut_points(stream.size())), expected);
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        ASSERT_EQ(decode_split(stream, to_server, {cut}), expected) << cut;
    }
}

TEST(Incremental, LargePayloadsAcrossManyChunks) {
    const std::string big(static_cast<std::size_t>(max_payload), '\xab');
    const std::string stream = encode_push(big) + encode_push(big.substr(1)) + encode_exit_echo();
    const auto expected = decode_whole(stream, to_client);
    ASSERT_EQ(expected.size(), 4u);
    for (const std::size_t chunk : {1u, 7u, 4096u, 16389u}) {
        std::vector<std::size_t> cuts;
        for (std::size_t at = chunk; at < stream.size(); at += chunk) {
            cuts.push_back(at);
        }
        EXPECT_EQ(decode_split(stream, to_client, cuts), expected) << chunk;
    }
}

// ---- missing(): the size of the next TF cipher call ----

TEST(Missing, HeaderThenPayloadByTheToServerRules) {
    StreamDecoder decoder(to_server);
    EXPECT_EQ(decoder.missing(), header_size) << "nothing buffered: a header comes next";
    decoder.feed(header(0x01, 4).substr(0, 2));
    EXPECT_EQ(decoder.missing(), 3u);
    decoder.feed(header(0x01, 4).substr(2));
    EXPECT_EQ(decoder.missing(), 4u);
    decoder.feed("/im");
    EXPECT_EQ(decoder.missing(), 1u);
    decoder.feed("e");
    EXPECT_EQ(decoder.missing(), 0u) << "a whole frame is buffered";
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x01, 4}, "/ime"}));
    EXPECT_EQ(decoder.missing(), header_size);
}

TEST(Missing, AfterEachClientHeader) {
    const auto after = [](std::uint8_t opcode, std::int32_t sz) {
        StreamDecoder decoder(to_server);
        decoder.feed(header(opcode, sz));
        return decoder.missing();
    };
    EXPECT_EQ(after(0x00, 0), 0u) << "opcode 0 is a header only";
    EXPECT_EQ(after(0x00, 3), 0u) << "whatever its sz";
    EXPECT_EQ(after(0x01, 17), 17u);
    EXPECT_EQ(after(0x02, 128), 128u);
    EXPECT_EQ(after(0x05, max_payload), static_cast<std::size_t>(max_payload));
    EXPECT_EQ(after(0x05, 0), 0u) << "an empty payload is no call";
    EXPECT_EQ(after(0x04, 3), 8u) << "setup: 8 bytes whatever sz";
    EXPECT_EQ(after(0x07, 0), 8u) << "interval: 8 bytes whatever sz";
    EXPECT_EQ(after(0x09, 6), 6u) << "an unknown opcode with a sane sz is skipped";
    EXPECT_EQ(after(0x05, -1), 0u) << "fatal: nothing more is read";
    EXPECT_EQ(after(0x01, max_payload + 1), 0u);
    EXPECT_EQ(after(0x09, -2), 0u);
}

TEST(Missing, FollowsTheDirection) {
    StreamDecoder to_c(to_client);
    to_c.feed(header(0x05, -1));
    EXPECT_EQ(to_c.missing(), 0u) << "a bare status from a server";
    StreamDecoder push(to_client);
    push.feed(header(0x05, 22));
    EXPECT_EQ(push.missing(), 22u);
    StreamDecoder status(to_client);
    status.feed(header(0x01, -1));
    EXPECT_EQ(status.missing(), 0u);
}

TEST(Missing, ZeroAfterAFatalErrorForGood) {
    StreamDecoder decoder(to_server);
    decoder.feed(header(0x02, -7));
    EXPECT_TRUE(std::holds_alternative<ProtocolError>(decoder.next()));
    ASSERT_TRUE(decoder.failed());
    EXPECT_EQ(decoder.missing(), 0u);
    decoder.feed(encode_exit());
    EXPECT_EQ(decoder.missing(), 0u);
}

// A peer that reads exactly missing() bytes at a time reads the calls a TF client makes:
// each header, then its payload (8 bytes for setup and interval), nothing for opcode 0.
TEST(Missing, ReadingMissingBytesFollowsTheCallCuts) {
    const std::vector<std::string> to{"bob"};
    const std::string stream = encode_setup(flag_auto_delete, 7) + encode_org_unit("/ime") +
                               encode_user("alice") + encode_send(to, "hi") + encode_interval(25) +
                               encode_exit();
    StreamDecoder decoder(to_server);
    std::vector<std::size_t> calls;
    std::vector<std::uint8_t> opcodes;
    for (std::size_t at = 0; at < stream.size();) {
        const auto n = decoder.missing();
        ASSERT_GT(n, 0u) << at;
        ASSERT_LE(at + n, stream.size());
        decoder.feed(std::string_view(stream).substr(at, n));
        at += n;
        calls.push_back(n);
        while (decoder.missing() == 0) {
            const auto result = decoder.next();
            ASSERT_TRUE(std::holds_alternative<Frame>(result)) << describe_result(result);
            opcodes.push_back(std::get<Frame>(result).header.opcode);
        }
    }
    EXPECT_EQ(calls, (std::vector<std::size_t>{5, 8, 5, 4, 5, 5, 5, 7, 5, 8, 5}));
    EXPECT_EQ(opcodes, (std::vector<std::uint8_t>{4, 1, 2, 5, 7, 0}));
    EXPECT_FALSE(decoder.mid_frame());
}

// ---- NeedMore without decoding again, reset() ----

// next() answers NeedMore from what it last measured while fewer bytes are buffered: after
// every byte of a stream, its NeedMore and missing() are what the stateless decoder says of
// the bytes buffered, across frames, errors skipped and a hand-over.
TEST(NeedMore, ByteByByteAgreesWithTheStatelessDecoder) {
    for (const auto& [stream, direction] :
         {std::pair{client_stream(), to_server}, std::pair{server_stream(), to_client}}) {
        StreamDecoder decoder(direction);
        std::string buffered;
        for (const char byte : stream) {
            decoder.feed(std::string_view(&byte, 1));
            buffered += byte;
            for (;;) {
                const auto expected = decode_frame(buffered, direction);
                const auto* need = std::get_if<NeedMore>(&expected.result);
                EXPECT_EQ(decoder.missing(), need != nullptr ? need->missing : 0u);
                const auto result = decoder.next();
                ASSERT_EQ(describe_result(result), describe_result(expected.result));
                buffered.erase(0, expected.consumed);
                if (need != nullptr) {
                    break;
                }
            }
            EXPECT_EQ(decoder.buffered(), buffered.size());
        }
        EXPECT_TRUE(buffered.empty());
    }
}

TEST(NeedMore, TakeBufferedForgetsTheFrameBeingRead) {
    StreamDecoder decoder(to_server);
    decoder.feed(header(0x01, 100) + "ab");
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, 98u);
    EXPECT_EQ(decoder.take_buffered(), header(0x01, 100) + "ab");
    decoder.feed(encode_exit().substr(0, 3));
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, 2u);
    EXPECT_EQ(decoder.missing(), 2u);
    decoder.feed(encode_exit().substr(3));
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x00, 0}, ""}));
}

TEST(Reset, ActsAsANewDecoder) {
    StreamDecoder decoder(to_server);
    decoder.feed(header(0x01, 100) + "ab"); // partial frame
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.next()));
    decoder.reset();
    EXPECT_FALSE(decoder.mid_frame());
    EXPECT_EQ(decoder.buffered(), 0u);
    EXPECT_EQ(decoder.missing(), header_size);
    EXPECT_EQ(std::get<NeedMore>(decoder.next()).missing, header_size);
    EXPECT_EQ(decode_split(client_stream(), to_server, {3, 9}), [&] {
        // The same stream through the reset decoder.
        std::vector<std::string> out;
        bool done = false;
        decoder.feed(std::string_view(client_stream()).substr(0, 3));
        drain(decoder, out, done);
        decoder.feed(std::string_view(client_stream()).substr(3, 6));
        drain(decoder, out, done);
        decoder.feed(std::string_view(client_stream()).substr(9));
        drain(decoder, out, done);
        out.push_back("end " + describe_result(decoder.next()) +
                      " buffered=" + std::to_string(decoder.buffered()));
        return out;
    }());

    decoder.feed(header(0x01, -1)); // fatal
    EXPECT_TRUE(std::holds_alternative<ProtocolError>(decoder.next()));
    EXPECT_TRUE(decoder.failed());
    decoder.reset();
    EXPECT_FALSE(decoder.failed());
    decoder.feed(encode_exit());
    EXPECT_EQ(frame_of(decoder.next()), (Frame{{0x00, 0}, ""}));
}

} // namespace
} // namespace xsime::protocol
