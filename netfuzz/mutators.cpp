// The mutators (mutators.hpp): each picks its place with the case's rng and edits the case.
#include "netfuzz/mutators.hpp"

#include "protocol/header.hpp"
#include "protocol/messages.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>

namespace xsime::netfuzz {
namespace {

constexpr std::array<std::int32_t, 6> boundaries{
    0, 1, 16384, 16385, std::numeric_limits<std::int32_t>::max(), -1};

std::size_t pick(Rng& rng, std::size_t count) {
    return static_cast<std::size_t>(rng() % count);
}

SessionScript* pick_session(Case& c, Rng& rng) {
    return c.sessions.empty() ? nullptr : &c.sessions[pick(rng, c.sessions.size())];
}

// A message with concrete bytes (not an org_ref) of at least `min_size` bytes, or null.
Message* pick_concrete(SessionScript& s, Rng& rng, std::size_t min_size) {
    std::vector<Message*> fit;
    for (auto& m : s.messages) {
        if (!m.org_ref && m.bytes.size() >= min_size) {
            fit.push_back(&m);
        }
    }
    return fit.empty() ? nullptr : fit[pick(rng, fit.size())];
}

bool drop_message(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    if (!s || s->messages.empty()) {
        return false;
    }
    s->messages.erase(s->messages.begin() +
                      static_cast<std::ptrdiff_t>(pick(rng, s->messages.size())));
    s->valid = false;
    return true;
}

bool duplicate_message(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    if (!s || s->messages.empty()) {
        return false;
    }
    const auto at = pick(rng, s->messages.size());
    s->messages.insert(s->messages.begin() + static_cast<std::ptrdiff_t>(at), s->messages[at]);
    s->valid = false;
    return true;
}

bool swap_messages(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    if (!s || s->messages.size() < 2) {
        return false;
    }
    const auto at = pick(rng, s->messages.size() - 1);
    std::swap(s->messages[at], s->messages[at + 1]);
    s->valid = false;
    return true;
}

bool split_message(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    auto* m = s ? pick_concrete(*s, rng, 2) : nullptr;
    if (!m) {
        return false;
    }
    const auto cut = 1 + pick(rng, m->bytes.size() - 1);
    auto tail = raw_message(m->bytes.substr(cut));
    *m = raw_message(m->bytes.substr(0, cut));
    const auto at = static_cast<std::size_t>(m - s->messages.data());
    s->messages.insert(s->messages.begin() + static_cast<std::ptrdiff_t>(at + 1), std::move(tail));
    s->valid = false;
    return true;
}

bool merge_messages(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    if (!s || s->messages.size() < 2) {
        return false;
    }
    const auto at = pick(rng, s->messages.size() - 1);
    auto& first = s->messages[at];
    const auto& second = s->messages[at + 1];
    if (first.org_ref || second.org_ref) {
        return false;
    }
    first = raw_message(first.bytes + second.bytes);
    s->messages.erase(s->messages.begin() + static_cast<std::ptrdiff_t>(at + 1));
    s->valid = false;
    return true;
}

std::string random_bytes(Rng& rng, std::size_t count) {
    std::string out(count, '\0');
    for (auto& byte : out) {
        byte = static_cast<char>(rng() & 0xff);
    }
    return out;
}

std::uint8_t random_opcode(Rng& rng) {
    static constexpr std::array<std::uint8_t, 10> opcodes{0, 1, 2, 4, 5, 7, 3, '5', 0x7f, 0xff};
    return rng() % 4 == 0 ? static_cast<std::uint8_t>(rng() & 0xff)
                          : opcodes[pick(rng, opcodes.size())];
}

bool insert_frame(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    if (!s) {
        return false;
    }
    const auto payload = random_bytes(rng, pick(rng, 4) == 0 ? 8 : pick(rng, 24));
    std::int32_t sz = static_cast<std::int32_t>(payload.size());
    if (rng() % 2 == 0) {
        sz = boundaries[pick(rng, boundaries.size())];
    }
    auto bytes = protocol::encode_header({random_opcode(rng), sz}) + payload;
    const auto at = pick(rng, s->messages.size() + 1);
    s->messages.insert(s->messages.begin() + static_cast<std::ptrdiff_t>(at),
                       raw_message(std::move(bytes)));
    s->valid = false;
    return true;
}

// Rewrites the header of a message that starts with an XSIME header (not a TF message).
Message* pick_frame(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    auto* m = s ? pick_concrete(*s, rng, protocol::header_size) : nullptr;
    if (!m || m->kind == MessageKind::start) {
        return nullptr;
    }
    s->valid = false;
    return m;
}

bool lie_sz(Case& c, Rng& rng) {
    auto* m = pick_frame(c, rng);
    if (!m) {
        return false;
    }
    auto header = protocol::decode_header(m->bytes);
    const auto body = static_cast<std::int32_t>(m->bytes.size() - protocol::header_size);
    const std::array<std::int32_t, 8> choices{boundaries[0], boundaries[1],        boundaries[2],
                                              boundaries[3], boundaries[4],        boundaries[5],
                                              body + 1,      std::max(body - 1, 0)};
    header.sz = choices[pick(rng, choices.size())];
    *m = raw_message(protocol::encode_header(header) + m->bytes.substr(protocol::header_size));
    return true;
}

bool flip_opcode(Case& c, Rng& rng) {
    auto* m = pick_frame(c, rng);
    if (!m) {
        return false;
    }
    auto bytes = m->bytes;
    bytes[0] = static_cast<char>(random_opcode(rng));
    *m = raw_message(std::move(bytes));
    return true;
}

std::string hostile_path(Rng& rng) {
    static const std::array<std::string, 10> paths{
        "../",         "/",           "..",          std::string("ali\0ce", 6),
        "a/../../etc", "/etc/passwd", "./././alice", "alice/",
        "//",          "%2e%2e/x"};
    switch (pick(rng, 4)) {
    case 0:
        return std::string(128, 'u');
    case 1:
        return std::string(129, 'u');
    case 2:
        return std::string(1 + pick(rng, 4096), 'n');
    default:
        return paths[pick(rng, paths.size())];
    }
}

bool hostile_name(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    if (!s) {
        return false;
    }
    for (auto& m : s->messages) {
        if (m.kind == MessageKind::org_unit || m.kind == MessageKind::user) {
            const bool org = m.kind == MessageKind::org_unit && rng() % 2 == 0;
            const auto path = hostile_path(rng);
            m = raw_message(org ? protocol::encode_org_unit(path) : protocol::encode_user(path));
            s->valid = false;
            return true;
        }
    }
    return false;
}

// A send's text: binary, long (up to the limit), with NUL bytes or colons. Still valid.
bool mutate_text(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    if (!s) {
        return false;
    }
    for (auto& m : s->messages) {
        if (m.kind != MessageKind::send) {
            continue;
        }
        std::string text;
        switch (pick(rng, 4)) {
        case 0:
            text = random_bytes(rng, 1 + pick(rng, 32));
            break;
        case 1:
            text = std::string(max_text(s->user) - pick(rng, 2), 'L');
            break;
        case 2:
            text = m.text + std::string(1, '\0') + random_bytes(rng, pick(rng, 4));
            break;
        default:
            text = ":" + m.text + "::";
            break;
        }
        // Mutations stack: the push of the result must still fit the buffer.
        text.resize(std::min(text.size(), max_text(s->user)));
        m = send_message(s->user, text);
        return true;
    }
    return false;
}

bool flip_byte(Case& c, Rng& rng) {
    auto* s = pick_session(c, rng);
    auto* m = s ? pick_concrete(*s, rng, 1) : nullptr;
    if (!m) {
        return false;
    }
    auto bytes = m->bytes;
    bytes[pick(rng, bytes.size())] ^= static_cast<char>(1u << pick(rng, 8));
    *m = raw_message(std::move(bytes));
    s->valid = false;
    return true;
}

bool interleave(Case& c, Rng& rng) {
    if (c.sessions.size() < 2) {
        return false;
    }
    // A random merge of the sessions' orders: each session's own order is kept.
    std::shuffle(c.schedule.begin(), c.schedule.end(), rng);
    return true;
}

bool add_session(Case& c, Rng& rng) {
    if (c.sessions.size() >= max_sessions) {
        return false;
    }
    c.sessions.push_back(valid_session(session_user(c.sessions.size()), rng));
    c.schedule.insert(c.schedule.end(), c.sessions.back().messages.size(), c.sessions.size() - 1);
    return true;
}

struct Mutator {
    std::string_view name;
    bool (*apply)(Case&, Rng&);
};

constexpr std::array<Mutator, 14> mutators{{
    {"drop", drop_message},
    {"duplicate", duplicate_message},
    {"reorder", swap_messages},
    {"split", split_message},
    {"merge", merge_messages},
    {"insert", insert_frame},
    {"lie_sz", lie_sz},
    {"flip_opcode", flip_opcode},
    {"hostile_name", hostile_name},
    {"text", mutate_text},
    {"flip_byte", flip_byte},
    {"interleave", interleave},
    {"add_session", add_session},
    {"lie_sz", lie_sz},
}};

constexpr auto names = [] {
    std::array<std::string_view, mutators.size() - 1> out{};
    for (std::size_t i = 0; i + 1 < mutators.size(); ++i) {
        out[i] = mutators[i].name;
    }
    return out;
}();

} // namespace

std::span<const std::int32_t> boundary_sizes() {
    return boundaries;
}

std::span<const std::string_view> mutator_names() {
    return names;
}

bool apply_mutator(std::string_view name, Case& fuzz_case, Rng& rng) {
    for (const auto& m : mutators) {
        if (m.name == name) {
            const bool applied = m.apply(fuzz_case, rng);
            repair_schedule(fuzz_case);
            return applied;
        }
    }
    return false;
}

std::vector<std::string_view> mutate(Case& fuzz_case, Rng& rng) {
    std::vector<std::string_view> applied;
    const auto count = 1 + pick(rng, 3);
    for (std::size_t attempt = 0; applied.size() < count && attempt < 8; ++attempt) {
        const auto& m = mutators[pick(rng, mutators.size())];
        if (m.apply(fuzz_case, rng)) {
            applied.push_back(m.name);
        }
        repair_schedule(fuzz_case);
    }
    return applied;
}

} // namespace xsime::netfuzz
