// Tests of the case model and the mutators: valid cases follow the grammar, and everything is
// a function of the seed.
#include "netfuzz/campaign.hpp"
#include "netfuzz/case_model.hpp"
#include "netfuzz/mutators.hpp"
#include "protocol/header.hpp"

#include <gtest/gtest.h>
#include <set>

namespace xsime::netfuzz {
namespace {

std::string flatten(const Case& c) {
    std::string out;
    for (const auto s : c.schedule) {
        out += std::to_string(s) + ";";
    }
    for (const auto& s : c.sessions) {
        out += s.user + (s.valid ? "+" : "-");
        for (const auto& m : s.messages) {
            out += wire_bytes(m, "ORG") + "|";
        }
    }
    return out;
}

TEST(CaseModel, ValidSessionFollowsTheLoginOrder) {
    Rng rng(7);
    for (int i = 0; i < 50; ++i) {
        const auto s = valid_session("alice", rng);
        ASSERT_GE(s.messages.size(), 6u);
        EXPECT_EQ(s.messages[0].kind, MessageKind::start);
        EXPECT_EQ(s.messages[1].kind, MessageKind::setup);
        EXPECT_TRUE(s.messages[2].org_ref);
        EXPECT_EQ(s.messages[3].kind, MessageKind::user);
        EXPECT_EQ(s.messages.back().kind, MessageKind::exit);
        EXPECT_TRUE(s.valid);
    }
}

TEST(CaseModel, OrgRefIsTheRunsOrgUnit) {
    const auto bytes = wire_bytes(org_ref_message(), "xc-1");
    EXPECT_EQ(protocol::decode_header(bytes).sz, 5);
    EXPECT_EQ(bytes.substr(protocol::header_size), "/xc-1");
}

TEST(CaseModel, ClosingPaddingCompletesTheOpenFrameThenBreaksTheStream) {
    const auto start = start_message().bytes;
    EXPECT_EQ(open_bytes(start), 0u);
    EXPECT_EQ(closing_padding(start).size(), 5u);
    // A setup header cut after its opcode: 4 header bytes, then its 8-byte body, then 5.
    EXPECT_EQ(closing_padding(start + "\x04").size(), 4u + 8u + 5u);
    // A payload a lying sz left open: the rest of it, then 5.
    EXPECT_EQ(closing_padding(start + protocol::encode_header({5, 100}) + "ab").size(), 98u + 5u);
    // At the TF level, half a length prefix: 2 bytes make the length 0x7f7f, then its body.
    EXPECT_EQ(closing_padding(std::string(2, '\0')).size(), 2u + 0x7f7fu + 5u);
}

TEST(Mutators, SameSeedSameCases) {
    std::vector<std::string_view> m1;
    std::vector<std::string_view> m2;
    for (std::uint64_t n = 0; n < 200; ++n) {
        EXPECT_EQ(flatten(build_case(42, n, m1)), flatten(build_case(42, n, m2)));
        EXPECT_EQ(m1, m2);
    }
}

TEST(Mutators, DifferentSeedsDiffer) {
    std::vector<std::string_view> m;
    int same = 0;
    for (std::uint64_t n = 1; n < 100; ++n) {
        same += flatten(build_case(1, n, m)) == flatten(build_case(2, n, m)) ? 1 : 0;
    }
    EXPECT_LT(same, 10);
}

TEST(Mutators, EveryMutatorApplies) {
    std::set<std::string_view> applied;
    for (std::uint64_t n = 1; n < 2000; ++n) {
        std::vector<std::string_view> m;
        build_case(3, n, m);
        applied.insert(m.begin(), m.end());
    }
    for (const auto name : mutator_names()) {
        EXPECT_TRUE(applied.contains(name)) << name;
    }
}

TEST(Mutators, ScheduleStaysConsistent) {
    std::vector<std::string_view> m;
    for (std::uint64_t n = 0; n < 500; ++n) {
        const auto c = build_case(9, n, m);
        std::vector<std::size_t> per(c.sessions.size(), 0);
        for (const auto s : c.schedule) {
            ASSERT_LT(s, c.sessions.size());
            ++per[s];
        }
        for (std::size_t s = 0; s < c.sessions.size(); ++s) {
            EXPECT_EQ(per[s], c.sessions[s].messages.size());
        }
    }
}

TEST(Mutators, LieSzUsesBoundaryValues) {
    std::set<std::int32_t> seen;
    for (std::uint64_t seed = 0; seed < 400; ++seed) {
        Rng rng(seed);
        auto c = valid_case(rng);
        if (apply_mutator("lie_sz", c, rng)) {
            for (const auto& s : c.sessions) {
                for (const auto& m : s.messages) {
                    if (m.kind == MessageKind::raw && m.bytes.size() >= 5) {
                        seen.insert(protocol::decode_header(m.bytes).sz);
                    }
                }
            }
        }
    }
    for (const auto value : boundary_sizes()) {
        EXPECT_TRUE(seen.contains(value)) << value;
    }
}

TEST(Mutators, TextMutationKeepsTheSessionValidAndWithinTheLimit) {
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
        Rng rng(seed);
        auto c = valid_case(rng);
        if (!apply_mutator("text", c, rng)) {
            continue;
        }
        for (const auto& s : c.sessions) {
            EXPECT_TRUE(s.valid);
            for (const auto& m : s.messages) {
                if (m.kind == MessageKind::send) {
                    EXPECT_FALSE(m.text.empty());
                    EXPECT_LE(m.text.size(), max_text(s.user));
                }
            }
        }
    }
}

} // namespace
} // namespace xsime::netfuzz
