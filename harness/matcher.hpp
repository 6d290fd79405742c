// Checks one received XSIME frame against an expect step's matchers, and extracts captures.
#pragma once

#include "harness/expand.hpp"
#include "harness/scenario.hpp"
#include "protocol/stream_decoder.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xsime::harness {

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

// The names of the named groups (?<name>...), (?P<name>...) and (?'name'...) in a Perl
// regex, in order of appearance, skipping escaped characters and character classes.
std::vector<std::string> named_groups(std::string_view pattern);

} // namespace xsime::harness
