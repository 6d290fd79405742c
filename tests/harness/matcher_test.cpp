// Unit tests of the runner's pure parts: frame matchers and captures, ${} expansion, and the
// transcript's byte descriptions.
#include "harness/expand.hpp"
#include "harness/matcher.hpp"
#include "harness/transcript.hpp"
#include "protocol/header.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"
#include "protocol/tf_framing.hpp"

#include <gtest/gtest.h>
#include <string>
#include <thread>

namespace xsime::harness {
namespace {

using protocol::Frame;
using protocol::Header;
using protocol::Opcode;

constexpr std::uint64_t now = 1'700'000'000;

Frame push(std::string_view payload) {
    return Frame{Header{protocol::raw(Opcode::message), static_cast<std::int32_t>(payload.size())},
                 std::string(payload)};
}

Frame status(Opcode opcode, std::int32_t sz) {
    return Frame{Header{protocol::raw(opcode), sz}, {}};
}

Bytes text(std::string value) {
    return Bytes{std::move(value), false};
}

// ---- match_frame, one field at a time ----

TEST(MatchFrame, EmptyMatcherAcceptsAnything) {
    EXPECT_TRUE(match_frame(FrameMatch{}, status(Opcode::user, -1), now).matched());
}

TEST(MatchFrame, Opcode) {
    FrameMatch m;
    m.opcode = protocol::raw(Opcode::org_unit);
    EXPECT_TRUE(match_frame(m, status(Opcode::org_unit, 0), now).matched());
    const auto out = match_frame(m, status(Opcode::user, 0), now);
    EXPECT_EQ(out.kind, MatchOutcome::Kind::mismatch);
    EXPECT_NE(out.reason.find("opcode user (0x02) instead of org-unit (0x01)"), std::string::npos)
        << out.reason;
}

TEST(MatchFrame, OpcodeMismatchNamesAsciiDigits) {
    FrameMatch m;
    m.opcode = protocol::raw(Opcode::org_unit);
    const auto out = match_frame(m, Frame{Header{'1', 0}, {}}, now);
    ASSERT_FALSE(out.matched());
    EXPECT_NE(out.reason.find("looks like ASCII '1'"), std::string::npos) << out.reason;
}

TEST(MatchFrame, Sz) {
    FrameMatch m;
    m.sz = -1;
    EXPECT_TRUE(match_frame(m, status(Opcode::user, -1), now).matched());
    const auto out = match_frame(m, status(Opcode::user, 0), now);
    ASSERT_FALSE(out.matched());
    EXPECT_NE(out.reason.find("sz 0 instead of -1"), std::string::npos) << out.reason;
}

TEST(MatchFrame, PayloadExact) {
    FrameMatch m;
    m.payload = text("1:a:b");
    EXPECT_TRUE(match_frame(m, push("1:a:b"), now).matched());
    EXPECT_FALSE(match_frame(m, push("1:a:bc"), now).matched());
    EXPECT_FALSE(match_frame(m, push("1:a:"), now).matched());
}

TEST(MatchFrame, PayloadRegexMatchesTheWholePayload) {
    FrameMatch m;
    m.payload_regex = "[0-9]+:alice:hi";
    EXPECT_TRUE(match_frame(m, push("1700000000:alice:hi"), now).matched());
    // A search would find "…:alice:hi" inside; the whole payload must match.
    const auto out = match_frame(m, push("1700000000:alice:hi there"), now);
    ASSERT_FALSE(out.matched());
    EXPECT_NE(out.reason.find("does not match /[0-9]+:alice:hi/"), std::string::npos) << out.reason;
    EXPECT_FALSE(match_frame(m, push("x1700000000:alice:hi"), now).matched());
}

TEST(MatchFrame, PayloadRegexIsPerlSyntax) {
    FrameMatch m;
    m.payload_regex = R"(\d+:(?:alice|bob):\w+)";
    EXPECT_TRUE(match_frame(m, push("17:bob:hello"), now).matched());
}

TEST(MatchFrame, RegexOnSixteenKiBPayloadDoesNotOverflow) {
    const std::string big(16 * 1024 - 20, 'x');
    FrameMatch m;
    m.payload_regex = "[0-9]+:alice:(x|y)*";
    EXPECT_TRUE(match_frame(m, push("1700000000:alice:" + big), now).matched());
}

TEST(MatchFrame, NamedGroupsBecomeCaptures) {
    FrameMatch m;
    m.payload_regex = "(?<ts>[0-9]+):(?<who>[a-z]+):(?<rest>.*)";
    const auto out = match_frame(m, push("1700000001:carol:a:b"), now);
    ASSERT_TRUE(out.matched()) << out.reason;
    EXPECT_EQ(out.captures.at("ts"), "1700000001");
    EXPECT_EQ(out.captures.at("who"), "carol");
    EXPECT_EQ(out.captures.at("rest"), "a:b");
    EXPECT_EQ(out.captures.size(), 3u);
}

TEST(MatchFrame, CapturesFromPayloadAndTextRegexBothKept) {
    FrameMatch m;
    m.payload_regex = "(?<ts>[0-9]+):.*";
    m.text_regex = "(?<word>[a-z]+) (?'num'[0-9]+)";
    const auto out = match_frame(m, push("42:bob:hello 7"), now);
    ASSERT_TRUE(out.matched()) << out.reason;
    EXPECT_EQ(out.captures.at("ts"), "42");
    EXPECT_EQ(out.captures.at("word"), "hello");
    EXPECT_EQ(out.captures.at("num"), "7");
}

TEST(MatchFrame, UnmatchedOptionalGroupCapturesEmpty) {
    FrameMatch m;
    m.payload_regex = "(?<a>x)?y";
    const auto out = match_frame(m, push("y"), now);
    ASSERT_TRUE(out.matched());
    EXPECT_EQ(out.captures.at("a"), "");
}

TEST(MatchFrame, NoCapturesOnMismatch) {
    FrameMatch m;
    m.payload_regex = "(?<ts>[0-9]+):alice:hi";
    EXPECT_TRUE(match_frame(m, push("1:bob:hi"), now).captures.empty());
}

TEST(MatchFrame, BadRegexIsReportedNotThrown) {
    FrameMatch m;
    m.payload_regex = "(unclosed";
    const auto out = match_frame(m, push("1:a:b"), now);
    EXPECT_EQ(out.kind, MatchOutcome::Kind::bad_pattern);
    EXPECT_NE(out.reason.find("invalid regex"), std::string::npos) << out.reason;
}

TEST(MatchFrame, From) {
    FrameMatch m;
    m.from = "alice";
    EXPECT_TRUE(match_frame(m, push("1:alice:hi"), now).matched());
    const auto out = match_frame(m, push("1:bob:hi"), now);
    ASSERT_FALSE(out.matched());
    EXPECT_NE(out.reason.find("sender 'bob' instead of 'alice'"), std::string::npos) << out.reason;
}

TEST(MatchFrame, TextExactKeepsColons) {
    FrameMatch m;
    m.text = text("a:b: c");
    EXPECT_TRUE(match_frame(m, push("1:alice:a:b: c"), now).matched());
    EXPECT_FALSE(match_frame(m, push("1:alice:a:b:c"), now).matched());
}

TEST(MatchFrame, TextRegexWholeText) {
    FrameMatch m;
    m.text_regex = "h.*o";
    EXPECT_TRUE(match_frame(m, push("1:alice:hello"), now).matched());
    const auto out = match_frame(m, push("1:alice:hello!"), now);
    ASSERT_FALSE(out.matched());
    EXPECT_NE(out.reason.find("text 'hello!' does not match"), std::string::npos) << out.reason;
}

TEST(MatchFrame, PushFieldsOnANonPushPayload) {
    FrameMatch m;
    m.from = "alice";
    const auto out = match_frame(m, push("no colons here"), now);
    ASSERT_FALSE(out.matched());
    EXPECT_NE(out.reason.find("is not a push"), std::string::npos) << out.reason;
    // A bare status has no payload at all.
    EXPECT_FALSE(match_frame(m, status(Opcode::message, -1), now).matched());
}

TEST(MatchFrame, TimestampWithin) {
    FrameMatch m;
    m.timestamp_within_s = 5;
    EXPECT_TRUE(match_frame(m, push("1700000000:a:x"), now).matched());
    EXPECT_TRUE(match_frame(m, push("1700000005:a:x"), now).matched());
    EXPECT_TRUE(match_frame(m, push("1699999995:a:x"), now).matched());
    const auto late = match_frame(m, push("1700000006:a:x"), now);
    ASSERT_FALSE(late.matched());
    EXPECT_NE(late.reason.find("6 s from the harness clock"), std::string::npos) << late.reason;
    EXPECT_FALSE(match_frame(m, push("1699999994:a:x"), now).matched());
    // A server that stamps in milliseconds is far off.
    EXPECT_FALSE(match_frame(m, push("1700000000000:a:x"), now).matched());
}

TEST(MatchFrame, EveryMatcherMustHold) {
    FrameMatch m;
    m.opcode = protocol::raw(Opcode::message);
    m.sz = 12;
    m.from = "alice";
    m.text = text("hi");
    m.timestamp_within_s = 1;
    // The push's sz is 19: everything else holds, that one field fails.
    const auto out = match_frame(m, push("1700000000:alice:hi"), now);
    EXPECT_EQ(out.kind, MatchOutcome::Kind::mismatch);
    EXPECT_NE(out.reason.find("sz 19 instead of 12"), std::string::npos) << out.reason;
    m.sz = 19;
    EXPECT_TRUE(match_frame(m, push("1700000000:alice:hi"), now).matched());
    m.text = text("ho");
    EXPECT_FALSE(match_frame(m, push("1700000000:alice:hi"), now).matched());
}

TEST(MatchFrame, DescribeMatchListsEveryField) {
    FrameMatch m;
    m.opcode = 5;
    m.sz = -1;
    m.payload = text("p");
    m.payload_regex = "r";
    m.from = "alice";
    m.text = text("t");
    m.text_regex = "tr";
    m.timestamp_within_s = 3;
    const auto text = describe_match(m);
    for (const auto* part : {"opcode message (0x05)", "sz -1", "payload 'p'", "payload ~ /r/",
                             "from 'alice'", "text 't'", "text ~ /tr/", "within 3 s"}) {
        EXPECT_NE(text.find(part), std::string::npos) << part << " in " << text;
    }
    EXPECT_EQ(describe_match(FrameMatch{}), "any frame");
}

// ---- named_groups and match_whole ----

TEST(NamedGroups, FindsEveryStyleAndSkipsLookbehindsEscapesAndClasses) {
    EXPECT_EQ(named_groups(R"((?<a>x)(?P<b>y)(?'c'z))"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(named_groups(R"((?<=x)(?<!y)(?:z))").empty());
    EXPECT_TRUE(named_groups(R"(\(?<a>x\))").empty());
    EXPECT_TRUE(named_groups(R"([(?<a>x)])").empty());
    EXPECT_EQ(named_groups(R"([]](?<after>x))"), (std::vector<std::string>{"after"}));
}

TEST(MatchWhole, MatchMismatchAndBadPattern) {
    EXPECT_TRUE(match_whole("a+", "aaa").matched());
    EXPECT_EQ(match_whole("a+", "aab").kind, MatchOutcome::Kind::mismatch);
    EXPECT_EQ(match_whole("a{2,1}", "aa").kind, MatchOutcome::Kind::bad_pattern);
    const auto out = match_whole("(?<n>[0-9]+)-fixture", "17-fixture");
    ASSERT_TRUE(out.matched());
    EXPECT_EQ(out.captures.at("n"), "17");
}

// ---- transcript descriptions ----

TEST(Transcript, ClientFrames) {
    EXPECT_EQ(describe_client_bytes(protocol::encode_setup(2, 0), Layer::xsime),
              "setup (0x04) flags 2 ts 0");
    EXPECT_EQ(describe_client_bytes(protocol::encode_org_unit("/ime"), Layer::xsime),
              "org-unit (0x01) '/ime'");
    EXPECT_EQ(describe_client_bytes(protocol::encode_interval(5'000'000), Layer::xsime),
              "interval (0x07) 5000000 ns");
    EXPECT_EQ(describe_client_bytes(protocol::encode_exit(), Layer::xsime), "exit (0x00)");
    const std::vector<std::string> to{"bob"};
    EXPECT_EQ(describe_client_bytes(protocol::encode_send(to, "hi"), Layer::xsime),
              "message (0x05) 'bob: hi'");
}

TEST(Transcript, ClientPartialsErrorsAndTf) {
    EXPECT_EQ(describe_client_bytes(std::string("\x05\x00", 2), Layer::xsime),
              "2 bytes: '\\x05\\x00'");
    const auto header = protocol::encode_header(Header{5, 10});
    EXPECT_EQ(describe_client_bytes(header + "abc", Layer::xsime),
              "message (0x05) sz 10 header + 3 body bytes 'abc' (incomplete)");
    const auto negative =
        describe_client_bytes(protocol::encode_header(Header{5, -5}), Layer::xsime);
    EXPECT_NE(negative.find("header message (0x05) sz -5 (message (0x05) has negative sz -5"),
              std::string::npos)
        << negative;
    EXPECT_EQ(describe_client_bytes(protocol::encode_tf_message("XSIME_START"), Layer::tf),
              "TF 'XSIME_START'");
    EXPECT_EQ(
        describe_client_bytes(protocol::encode_exit() + protocol::encode_exit(), Layer::xsime),
        "exit (0x00); exit (0x00)");
}

TEST(Transcript, ServerFrames) {
    EXPECT_EQ(describe_server_frame(push("1700000000:alice:hello")), "push 1700000000:alice:hello");
    EXPECT_EQ(describe_server_frame(status(Opcode::org_unit, -1)), "org-unit (0x01) status -1");
    EXPECT_EQ(describe_server_frame(status(Opcode::message, -1)), "message (0x05) status -1");
    EXPECT_EQ(describe_server_frame(status(Opcode::exit, 0)), "exit (0x00) sz 0");
    EXPECT_EQ(describe_server_frame(push("1:a:\x01")), "push '1:a:\\x01'");
    EXPECT_EQ(describe_server_frame(push("junk")),
              "message (0x05) sz 4 'junk' (not timestamp:user:text)");
    EXPECT_EQ(describe_tf_reply("OK"), "TF 'OK'");
}

TEST(Transcript, LongPayloadsAreTruncatedWithTheirSize) {
    const std::string big(1000, 'z');
    const auto quoted = quote_bytes(big);
    EXPECT_EQ(quoted, "'" + std::string(120, 'z') + "'... (1000 bytes)");
    EXPECT_EQ(quote_bytes("it's \\"), "'it\\'s \\\\'");
}

TEST(Transcript, RecorderKeepsOrderAndOffsets) {
    TranscriptRecorder recorder(std::chrono::steady_clock::now());
    recorder.sent("alice", "ab", "x");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    recorder.received("bob", "cd", "y");
    recorder.closed("bob", "closed");
    const auto entries = recorder.take();
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].kind, TranscriptEntry::Kind::sent);
    EXPECT_EQ(entries[0].session, "alice");
    EXPECT_EQ(entries[0].bytes, "ab");
    EXPECT_EQ(entries[1].kind, TranscriptEntry::Kind::received);
    EXPECT_GE(entries[1].offset - entries[0].offset, std::chrono::microseconds(2000));
    EXPECT_EQ(entries[2].kind, TranscriptEntry::Kind::closed);
}

TEST(Transcript, FrameBytesReencodeExactly) {
    const auto frame = push("1:a:b");
    EXPECT_EQ(frame_bytes(frame), protocol::encode_push("1:a:b"));
}

} // namespace
} // namespace xsime::harness
