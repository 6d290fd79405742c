// ${} expansion: names, "$$", arithmetic and zero padding on numbers, and every error.
#include "harness/expand.hpp"

#include <gtest/gtest.h>

namespace xsime::harness {
namespace {

std::string ok(std::string_view text, const Variables& variables, const Variables& locals = {}) {
    auto result = expand(text, variables, locals);
    if (auto* error = std::get_if<ExpandError>(&result)) {
        ADD_FAILURE() << text << ": " << error->reason;
        return {};
    }
    return std::get<std::string>(result);
}

std::string error(std::string_view text, const Variables& variables) {
    auto result = expand(text, variables);
    if (auto* e = std::get_if<ExpandError>(&result)) {
        return e->reason;
    }
    ADD_FAILURE() << text << " expanded to " << std::get<std::string>(result);
    return {};
}

std::string expanded(std::string_view text, const Variables& vars) {
    auto out = expand(text, vars);
    if (auto* error = std::get_if<ExpandError>(&out)) {
        return "ERROR " + error->reason;
    }
    return std::get<std::string>(out);
}

TEST(Expand, NamesDollarsAndLiterals) {
    const Variables vars{{"org", "xc-a-1"}, {"ts", "17"}};
    EXPECT_EQ(expanded("/${org}", vars), "/xc-a-1");
    EXPECT_EQ(expanded("${ts}:alice:${ts}", vars), "17:alice:17");
    EXPECT_EQ(expanded("cost $$5", vars), "cost $5");
    EXPECT_EQ(expanded("$${org}", vars), "${org}");
    EXPECT_EQ(expanded("end$", vars), "end$");
    EXPECT_EQ(expanded("a$b", vars), "a$b");
    EXPECT_EQ(expanded("", vars), "");
}

TEST(Expand, ValuesAreNotExpandedAgain) {
    const Variables vars{{"a", "${b}"}, {"b", "no"}};
    EXPECT_EQ(expanded("${a}", vars), "${b}");
}

TEST(Expand, UnknownAndUnterminated) {
    const Variables vars{{"org", "o"}};
    EXPECT_EQ(expanded("x ${nope} y", vars), "ERROR unknown capture ${nope}");
    EXPECT_EQ(expanded("x ${org", vars), "ERROR unterminated ${ at offset 2");
}

TEST(Expand, ArithmeticAndPadding) {
    const Variables v = {{"t1", "1700000000"}, {"i", "7"}, {"zero", "0"}};
    EXPECT_EQ(ok("${t1+1}", v), "1700000001");
    EXPECT_EQ(ok("${t1-1}", v), "1699999999");
    EXPECT_EQ(ok("${t1+0}", v), "1700000000");
    EXPECT_EQ(ok("${i:02}", v), "07");
    EXPECT_EQ(ok("${i:03}", v), "007");
    EXPECT_EQ(ok("${i:01}", v), "7");
    EXPECT_EQ(ok("${i+5:02}", v), "12");
    EXPECT_EQ(ok("u${i:02}-${i-7}", v), "u07-0");
    EXPECT_EQ(ok("${t1:04}", v), "1700000000"); // padding never cuts
    EXPECT_EQ(ok("${zero-0}", v), "0");
}

TEST(Expand, LocalsComeFirst) {
    EXPECT_EQ(ok("${i}", {{"i", "capture"}}, {{"i", "3"}}), "3");
    EXPECT_EQ(ok("${org}:${i:02}", {{"org", "o"}}, {{"i", "3"}}), "o:03");
}

TEST(Expand, Errors) {
    const Variables v = {{"t", "5"}, {"name", "alice"}, {"max", "18446744073709551615"}};
    EXPECT_EQ(error("${nope}", v), "unknown capture ${nope}");
    EXPECT_EQ(error("a ${t", v), "unterminated ${ at offset 2");
    EXPECT_EQ(error("${t-6}", v), "${t-6} is below 0 (t is 5)");
    EXPECT_EQ(error("${max+1}", v), "${max+1} is above 2^64-1");
    EXPECT_EQ(error("${name+1}", v),
              "${name} is \"alice\", not a number: arithmetic and padding need a number");
    EXPECT_EQ(error("${name:02}", v),
              "${name} is \"alice\", not a number: arithmetic and padding need a number");
    EXPECT_NE(error("${t*2}", v).find("bad reference ${t*2}"), std::string::npos);
    EXPECT_NE(error("${t+}", v).find("after '+' comes a whole number"), std::string::npos);
    EXPECT_NE(error("${t+1x}", v).find("after '+' comes a whole number"), std::string::npos);
    EXPECT_NE(error("${t+1234567890123456789}", v).find("at most 18 digits"), std::string::npos);
    EXPECT_NE(error("${t:2}", v).find("the format after ':' is 0 and a width"), std::string::npos);
    EXPECT_NE(error("${t:0}", v).find("the format after ':' is 0 and a width"), std::string::npos);
    EXPECT_NE(error("${t:00}", v).find("the width after \":0\" is 1 to 20"), std::string::npos);
    EXPECT_NE(error("${1t}", v).find("a name is letters"), std::string::npos);
}

TEST(ParseReference, Parts) {
    std::string why;
    const auto plain = parse_reference("ts", why);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->numeric());
    const auto both = parse_reference("i-3:04", why);
    ASSERT_TRUE(both);
    EXPECT_EQ(both->name, "i");
    EXPECT_EQ(both->offset, -3);
    EXPECT_EQ(both->width, 4U);
    EXPECT_TRUE(both->numeric());
    const auto zero = parse_reference("t+0", why);
    ASSERT_TRUE(zero);
    EXPECT_TRUE(zero->numeric()); // "+0" is still arithmetic: t must be a number
}

} // namespace
} // namespace xsime::harness
