// --exec splitting: sh's quoting and backslashes, no other expansion, {name} placeholders, and
// errors that say where.
#include "harness/exec_template.hpp"

#include <gtest/gtest.h>

namespace xsime::harness {
namespace {

using Words = std::vector<std::string>;

const Placeholders values{{"host", "127.0.0.1"}, {"port", "40711"}, {"transport", "plain"}};

Words split(std::string_view text, const Placeholders& placeholders = values) {
    auto result = split_exec(text, placeholders);
    if (const auto* error = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << text << ": " << *error;
        return {};
    }
    return std::get<Words>(result);
}

std::string error(std::string_view text) {
    auto result = split_exec(text, values);
    if (const auto* words = std::get_if<Words>(&result)) {
        ADD_FAILURE() << text << " split into " << words->size() << " words";
        return {};
    }
    return std::get<std::string>(result);
}

TEST(SplitExec, WordsAndPlaceholders) {
    EXPECT_EQ(split("python3 my_driver.py {host} {port}"),
              (Words{"python3", "my_driver.py", "127.0.0.1", "40711"}));
    EXPECT_EQ(split("  drv\t--transport={transport}\n --port {port}  "),
              (Words{"drv", "--transport=plain", "--port", "40711"}));
    EXPECT_EQ(split("drv {host}:{port}"), (Words{"drv", "127.0.0.1:40711"}));
}

TEST(SplitExec, SingleQuotesKeepEverything) {
    EXPECT_EQ(split("drv 'a  b' 'c\"d' '$x \\n'"), (Words{"drv", "a  b", "c\"d", "$x \\n"}));
}

TEST(SplitExec, DoubleQuotesEscapeOnlyFourCharacters) {
    EXPECT_EQ(split(R"(drv "a \"b\" \\ \$ \` \x \n")"), (Words{"drv", R"(a "b" \ $ ` \x \n)"}));
    EXPECT_EQ(split("drv \"one\\\ntwo\""), (Words{"drv", "onetwo"}));
}

TEST(SplitExec, BackslashOutsideQuotes) {
    EXPECT_EQ(split(R"(drv a\ b \' \" \\)"), (Words{"drv", "a b", "'", "\"", "\\"}));
    EXPECT_EQ(split("drv one\\\ntwo"), (Words{"drv", "onetwo"}));
}

TEST(SplitExec, QuotedPartsJoinAndEmptyQuotesAreWords) {
    EXPECT_EQ(split(R"(drv a'b'"c"d)"), (Words{"drv", "abcd"}));
    EXPECT_EQ(split(R"(drv '' "")"), (Words{"drv", "", ""}));
}

TEST(SplitExec, NothingElseIsInterpreted) {
    EXPECT_EQ(split("drv $HOME * | ; && > out `id` ~"),
              (Words{"drv", "$HOME", "*", "|", ";", "&&", ">", "out", "`id`", "~"}));
}

TEST(SplitExec, PlaceholdersInQuotesUnknownAndNotRescanned) {
    EXPECT_EQ(split("drv '{port}' \"{host}\" {x} {} {port"),
              (Words{"drv", "40711", "127.0.0.1", "{x}", "{}", "{port"}));
    // A value with blanks stays one word, and a value is never scanned again.
    EXPECT_EQ(split("drv {host}", {{"host", "a b"}}), (Words{"drv", "a b"}));
    EXPECT_EQ(split("drv {host}", {{"host", "{port}"}, {"port", "1"}}), (Words{"drv", "{port}"}));
    EXPECT_EQ(split("drv {{port}}"), (Words{"drv", "{40711}"}));
}

TEST(SplitExec, ErrorsSayWhere) {
    EXPECT_EQ(error("drv 'abc"), "unterminated ' (opened at character 5)");
    EXPECT_EQ(error("drv \"abc"), "unterminated \" (opened at character 5)");
    EXPECT_EQ(error("drv abc\\"), "a backslash at character 8 ends the command with nothing "
                                  "to escape");
    // Characters, not bytes: é is two bytes and one character.
    EXPECT_EQ(error("drvé 'x"), "unterminated ' (opened at character 6)");
    EXPECT_EQ(error(""), "the command is empty");
    EXPECT_EQ(error(" \t\n "), "the command is empty");
    EXPECT_EQ(error("'' drv"), "the command's first word (the program to run) is empty");
}

TEST(ShellArgv, GivesTheSubstitutedTextToSh) {
    EXPECT_EQ(shell_argv("exec drv {host} {port} 2>>log | tee x", values),
              (Words{"/bin/sh", "-c", "exec drv 127.0.0.1 40711 2>>log | tee x"}));
}

} // namespace
} // namespace xsime::harness
