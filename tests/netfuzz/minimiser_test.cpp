// Tests of the minimiser on synthetic predicates: it drops what the finding does not need and
// shortens bytes, within its budget.
#include "netfuzz/minimiser.hpp"

#include <gtest/gtest.h>

namespace xsime::netfuzz {
namespace {

bool has_byte_run(const Case& c, std::string_view needle) {
    for (const auto& s : c.sessions) {
        for (const auto& m : s.messages) {
            if (m.bytes.find(needle) != std::string::npos) {
                return true;
            }
        }
    }
    return false;
}

Case big_case() {
    Rng rng(5);
    Case c;
    for (std::size_t i = 0; i < 3; ++i) {
        c.sessions.push_back(valid_session(session_user(i), rng));
    }
    c.sessions[1].messages.insert(c.sessions[1].messages.begin() + 3,
                                  raw_message("junk-before-BUG-and-after"));
    c.sessions[1].valid = false;
    c.schedule = sequential_schedule(c);
    return c;
}

TEST(Minimiser, KeepsOnlyWhatTheFindingNeeds) {
    std::size_t runs = 0;
    const auto small = minimise(
        big_case(), [](const Case& c) { return has_byte_run(c, "BUG"); }, {}, runs);
    ASSERT_EQ(small.sessions.size(), 1u);
    ASSERT_EQ(small.sessions[0].messages.size(), 1u);
    EXPECT_EQ(small.sessions[0].messages[0].bytes, "BUG");
    EXPECT_EQ(small.schedule.size(), 1u);
    EXPECT_GT(runs, 0u);
}

TEST(Minimiser, ShortensAValidSendsText) {
    Rng rng(1);
    Case c;
    c.sessions.push_back(valid_session("alice", rng));
    c.sessions[0].messages.insert(c.sessions[0].messages.end() - 1,
                                  send_message("alice", std::string("prefix\0suffix", 13)));
    c.schedule = sequential_schedule(c);
    const auto has_nul_send = [](const Case& k) {
        for (const auto& m : k.sessions[0].messages) {
            if (m.kind == MessageKind::send && m.text.find('\0') != std::string::npos) {
                return k.sessions[0].valid;
            }
        }
        return false;
    };
    std::size_t runs = 0;
    const auto small = minimise(c, has_nul_send, {}, runs);
    bool found = false;
    for (const auto& m : small.sessions[0].messages) {
        if (m.kind == MessageKind::send) {
            EXPECT_EQ(m.text, std::string(1, '\0'));
            found = true;
        }
    }
    EXPECT_TRUE(found);
    EXPECT_TRUE(small.sessions[0].valid); // only sends were dropped from the valid session
}

TEST(Minimiser, StopsAtTheBudget) {
    std::size_t runs = 0;
    MinimiseBudget budget;
    budget.max_runs = 5;
    const auto small = minimise(
        big_case(), [](const Case& c) { return has_byte_run(c, "BUG"); }, budget, runs);
    EXPECT_EQ(runs, 5u);
    EXPECT_TRUE(has_byte_run(small, "BUG"));
}

TEST(Minimiser, WithoutMessageKeepsTheScheduleConsistent) {
    auto c = big_case();
    const auto before = c.schedule.size();
    const auto out = without_message(c, 1, 0);
    EXPECT_EQ(out.schedule.size(), before - 1);
    EXPECT_FALSE(out.sessions[1].valid);
    const auto dropped = without_session(c, 0);
    EXPECT_EQ(dropped.sessions.size(), 2u);
    for (const auto s : dropped.schedule) {
        EXPECT_LT(s, 2u);
    }
}

} // namespace
} // namespace xsime::netfuzz
