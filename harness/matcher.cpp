// Frame matching with boost::regex (Perl syntax): std::regex overflows its stack on 16 KiB
// payloads, and the scenario format promises Perl's named groups.
#include "harness/matcher.hpp"

#include "harness/transcript.hpp"
#include "protocol/messages.hpp"
#include "protocol/opcode.hpp"

#include <boost/regex.hpp>
#include <cctype>
#include <exception>

namespace xsime::harness {

namespace {

bool is_name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string opcode_text(std::uint8_t opcode) {
    auto text = protocol::describe_opcode(opcode);
    if (const auto hint = protocol::ascii_opcode_hint(opcode)) {
        text += " (" + *hint + ")";
    }
    return text;
}

MatchOutcome mismatch(std::string reason) {
    return MatchOutcome{MatchOutcome::Kind::mismatch, std::move(reason), {}};
}

// Runs one regex matcher and merges its captures into `into`; returns a failure outcome,
// or nothing when it matched.
std::optional<MatchOutcome> regex_field(std::string_view field, std::string_view pattern,
                                        std::string_view subject, Variables& into) {
    auto outcome = match_whole(pattern, subject);
    if (outcome.kind == MatchOutcome::Kind::bad_pattern) {
        outcome.reason = std::string(field) + ": " + outcome.reason;
        return outcome;
    }
    if (outcome.kind == MatchOutcome::Kind::mismatch) {
        return mismatch(std::string(field) + " " + quote_bytes(subject) + " does not match /" +
                        std::string(pattern) + "/");
    }
    for (auto& [name, value] : outcome.captures) {
        into[name] = std::move(value);
    }
    return std::nullopt;
}

} // namespace

namespace {

// Past an escape at `i` ("\\x", or "\\Q...\\E" which quotes everything): the index of its last
// character.
std::size_t skip_escape(std::string_view pattern, std::size_t i) {
    if (i + 1 < pattern.size() && pattern[i + 1] == 'Q') {
        const auto end = pattern.find("\\E", i + 2);
        return end == std::string_view::npos ? pattern.size() : end + 1;
    }
    return i + 1;
}

// A character class opening at `i`: the index of its closing ']'. A ']' first in it ("[]a]",
// "[^]a]") is a literal, and so are POSIX classes ("[[:alpha:]]").
std::size_t skip_class(std::string_view pattern, std::size_t i) {
    std::size_t at = i + 1;
    if (at < pattern.size() && pattern[at] == '^') {
        ++at;
    }
    if (at < pattern.size() && pattern[at] == ']') {
        ++at;
    }
    for (; at < pattern.size(); ++at) {
        if (pattern[at] == '\\') {
            ++at;
        } else if (pattern[at] == '[' && at + 1 < pattern.size() && pattern[at + 1] == ':') {
            const auto end = pattern.find(":]", at + 2);
            at = end == std::string_view::npos ? at : end + 1;
        } else if (pattern[at] == ']') {
            return at;
        }
    }
    return pattern.size();
}

// A group body that only matches digits: "[0-9]+", "\\d+", "[0-9]{10}", "\\d{1,20}".
bool digits_only(std::string_view body) {
    static const boost::regex digits(R"(^(?:\[0-9\]|\\d)(?:\+|\{[0-9]+(?:,[0-9]*)?\})\).*)",
                                     boost::regex::perl);
    return boost::regex_match(body.begin(), body.end(), digits);
}

// The named group whose "(?" is at `i`, if one is: (?<name>, (?'name' or (?P<name>; not the
// lookbehinds (?<= and (?<!.
std::optional<CaptureGroup> group_at(std::string_view pattern, std::size_t i) {
    if (i + 2 >= pattern.size() || pattern[i + 1] != '?') {
        return std::nullopt;
    }
    std::size_t start = i + 2;
    char close = '>';
    if (pattern[start] == 'P' && start + 1 < pattern.size() && pattern[start + 1] == '<') {
        start += 2;
    } else if (pattern[start] == '<') {
        start += 1;
    } else if (pattern[start] == '\'') {
        start += 1;
        close = '\'';
    } else {
        return std::nullopt;
    }
    if (start >= pattern.size() || !is_name_start(pattern[start])) {
        return std::nullopt;
    }
    std::size_t end = start;
    while (end < pattern.size() && is_name_char(pattern[end])) {
        ++end;
    }
    if (end >= pattern.size() || pattern[end] != close) {
        return std::nullopt;
    }
    return CaptureGroup{std::string(pattern.substr(start, end - start)),
                        digits_only(pattern.substr(end + 1))};
}

} // namespace

std::vector<CaptureGroup> capture_groups(std::string_view pattern) {
    std::vector<CaptureGroup> groups;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\') {
            i = skip_escape(pattern, i);
        } else if (pattern[i] == '[') {
            i = skip_class(pattern, i);
        } else if (pattern[i] == '(') {
            if (auto group = group_at(pattern, i)) {
                groups.push_back(std::move(*group));
            }
        }
    }
    return groups;
}

std::vector<std::string> named_groups(std::string_view pattern) {
    std::vector<std::string> names;
    for (auto& group : capture_groups(pattern)) {
        names.push_back(std::move(group.name));
    }
    return names;
}

MatchOutcome match_whole(std::string_view pattern, std::string_view subject) {
    boost::regex re;
    try {
        re.assign(pattern.begin(), pattern.end(), boost::regex::perl);
    } catch (const std::exception& e) {
        return MatchOutcome{MatchOutcome::Kind::bad_pattern,
                            "invalid regex /" + std::string(pattern) + "/: " + e.what(),
                            {}};
    }
    boost::match_results<std::string_view::const_iterator> found;
    bool ok = false;
    try {
        ok = boost::regex_match(subject.begin(), subject.end(), found, re);
    } catch (const std::exception& e) {
        // Boost gives up on pathological backtracking instead of running forever.
        return MatchOutcome{MatchOutcome::Kind::bad_pattern,
                            "regex /" + std::string(pattern) + "/ could not be run: " + e.what(),
                            {}};
    }
    if (!ok) {
        return mismatch("does not match");
    }
    MatchOutcome outcome;
    for (const auto& name : named_groups(pattern)) {
        const auto& group = found[name];
        outcome.captures[name] = group.matched ? group.str() : std::string();
    }
    return outcome;
}

MatchOutcome match_frame(const FrameMatch& match, const protocol::Frame& frame,
                         std::uint64_t now_unix_s) {
    Variables captures;
    if (match.opcode && frame.header.opcode != *match.opcode) {
        return mismatch("opcode " + opcode_text(frame.header.opcode) + " instead of " +
                        protocol::describe_opcode(*match.opcode));
    }
    if (match.sz && frame.header.sz != *match.sz) {
        return mismatch("sz " + std::to_string(frame.header.sz) + " instead of " +
                        std::to_string(*match.sz));
    }
    if (match.payload && frame.payload != match.payload->value) {
        return mismatch("payload " + quote_bytes(frame.payload) + " instead of " +
                        quote_bytes(match.payload->value));
    }
    if (match.payload_regex) {
        if (auto failed = regex_field("payload", *match.payload_regex, frame.payload, captures)) {
            return std::move(*failed);
        }
    }
    const bool wants_push =
        match.from || match.text || match.text_regex || match.timestamp_within_s;
    if (wants_push) {
        auto parsed = protocol::parse_push(frame.payload);
        if (const auto* error = std::get_if<protocol::ParseError>(&parsed)) {
            return mismatch("payload " + quote_bytes(frame.payload) +
                            " is not a push (timestamp:user:message): " + error->reason);
        }
        const auto& push = std::get<protocol::Push>(parsed);
        if (match.from && push.sender != *match.from) {
            return mismatch("sender " + quote_bytes(push.sender) + " instead of " +
                            quote_bytes(*match.from));
        }
        if (match.text && push.text != match.text->value) {
            return mismatch("text " + quote_bytes(push.text) + " instead of " +
                            quote_bytes(match.text->value));
        }
        if (match.text_regex) {
            if (auto failed = regex_field("text", *match.text_regex, push.text, captures)) {
                return std::move(*failed);
            }
        }
        if (match.timestamp_within_s) {
            const auto distance = push.timestamp > now_unix_s ? push.timestamp - now_unix_s
                                                              : now_unix_s - push.timestamp;
            if (distance > *match.timestamp_within_s) {
                return mismatch("push timestamp " + std::to_string(push.timestamp) + " is " +
                                std::to_string(distance) + " s from the harness clock (" +
                                std::to_string(now_unix_s) + "), more than " +
                                std::to_string(*match.timestamp_within_s) + " s");
            }
        }
    }
    MatchOutcome outcome;
    outcome.captures = std::move(captures);
    return outcome;
}

std::string describe_match(const FrameMatch& match) {
    std::vector<std::string> parts;
    if (match.opcode) {
        parts.push_back("opcode " + protocol::describe_opcode(*match.opcode));
    }
    if (match.sz) {
        parts.push_back("sz " + std::to_string(*match.sz));
    }
    if (match.payload) {
        parts.push_back("payload " + quote_bytes(match.payload->value));
    }
    if (match.payload_regex) {
        parts.push_back("payload ~ /" + *match.payload_regex + "/");
    }
    if (match.from) {
        parts.push_back("push from " + quote_bytes(*match.from));
    }
    if (match.text) {
        parts.push_back("push text " + quote_bytes(match.text->value));
    }
    if (match.text_regex) {
        parts.push_back("push text ~ /" + *match.text_regex + "/");
    }
    if (match.timestamp_within_s) {
        parts.push_back("push timestamp within " + std::to_string(*match.timestamp_within_s) +
                        " s of now");
    }
    if (parts.empty()) {
        return "any frame";
    }
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) {
            out += ", ";
        }
        out += part;
    }
    return out;
}

} // namespace xsime::harness
