// Checks one received XSIME frame against an expect step's matchers, and extracts captures.
#pragma once

#include "harness/expand.hpp"
#include "harness/scenario.hpp"
#include "protocol/stream_decoder.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::harness {

// What one received frame must look like (an expect step's matchers).
struct FrameMatch {
    std::optional<std::uint8_t> opcode;
    std::optional<std::int32_t> sz;
    std::optional<Bytes> payload;             // exact
    std::optional<std::string> payload_regex; // whole payload (Perl syntax, named groups
                                              // (?<name>...) become captures)
    // Push fields: the payload parsed as timestamp:user:message.
    std::optional<std::string> from;
    std::optional<Bytes> text;
    std::optional<std::string> text_regex;
    // The push timestamp is within this many seconds of the harness's clock (the
    // server stamps "the moment in which the server received the message").
    std::optional<std::uint32_t> timestamp_within_s;
};

struct MatchOutcome {
    enum class Kind {
        match,
        mismatch,    // the frame is not what the matchers describe
        bad_pattern, // a regex (after ${} expansion) does not compile or cannot be run
    };
    Kind kind = Kind::match;
    std::string reason; // for mismatch/bad_pattern: the first matcher that failed, and why
    Variables captures; // named groups of payload_regex and text_regex, on a match

    bool matched() const { return kind == Kind::match; }
};

// `match` must already be ${}-expanded. `now_unix_s` is the harness's clock, for
// timestamp_within_s. Matchers are checked in declaration order; the first failing one is
// reported. Regexes must match the whole payload or text (Perl syntax, boost::regex).
// A named group that did not take part in the match captures "".
MatchOutcome match_frame(const FrameMatch& match, const protocol::Frame& frame,
                         std::uint64_t now_unix_s);

// Whole-string match of `subject` against a Perl regex; on success, the named groups are
// added to `captures`. kind is match, mismatch, or bad_pattern (reason says why).
MatchOutcome match_whole(std::string_view pattern, std::string_view subject);

// "opcode org-unit (0x01), sz 0, payload ~ /[0-9]+:alice:hi/": what a matcher wants,
// for failure messages.
std::string describe_match(const FrameMatch& match);

// A named group of a regex; numeric when its body is only digits ([0-9]+, \d{10}, ...), so
// that ${name+1} and ${name:02} may use it.
struct CaptureGroup {
    std::string name;
    bool numeric = false;
};

// The named groups (?<name>...), (?P<name>...) and (?'name'...) of a Perl regex, in order of
// appearance, skipping escapes (\Q...\E too), character classes and lookbehinds.
std::vector<CaptureGroup> capture_groups(std::string_view pattern);

// Their names only.
std::vector<std::string> named_groups(std::string_view pattern);

} // namespace xsime::harness
