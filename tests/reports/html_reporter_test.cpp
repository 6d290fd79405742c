// The HTML reporter: verdict first, deviations with their proof and folded consequences, the
// other cases, the tables; every byte escaped; nothing a browser would fetch; no secret shown.
#include "harness/attribution.hpp"
#include "harness/outcome.hpp"
#include "reports/html_reporter.hpp"
#include "reports/html_text.hpp"
#include "tests/support/case_results.hpp"

#include <boost/regex.hpp>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using xsime::harness::CaseResult;
using xsime::harness::Level;
using xsime::harness::RunResult;
using xsime::harness::TranscriptEntry;
using xsime::harness::Verdict;
using xsime::reports::html_anchor;
using xsime::reports::html_text;
using xsime::test::error_case;
using xsime::test::failing_case;
using xsime::test::passing_case;
using xsime::test::run_of;
using xsime::test::skipped_case;
using namespace std::string_literals;

// The report of `run` after attribution, as `run` makes it.
std::string render(RunResult run, bool strict = false) {
    xsime::harness::attribute_consequences(run);
    const auto outcome = xsime::harness::summarize(run, strict);
    std::ostringstream out;
    xsime::reports::write_html(run, outcome, out);
    return out.str();
}

std::size_t find(const std::string& html, const std::string& needle) {
    return html.find(needle);
}

// The text between the first `open` at or after `from` and the `close` after it.
std::string between(const std::string& html, const std::string& open, const std::string& close,
                    std::size_t from = 0) {
    const auto start = html.find(open, from);
    if (start == std::string::npos) {
        return "";
    }
    const auto end = html.find(close, start + open.size());
    return end == std::string::npos ? "" : html.substr(start, end + close.size() - start);
}

// A run with one deviation (PUSH-FORMAT, proven by delivery.push) and one consequence of it
// (send.relies, which relies on PUSH-FORMAT), a pass, an error and a skip.
RunResult attributed_run() {
    CaseResult proof = failing_case("delivery.push");
    proof.clauses = {"PUSH-FORMAT"};
    CaseResult consequence = failing_case("send.relies");
    consequence.name = "A send that needs pushes to work";
    consequence.clauses = {"SEND-SZ"};
    consequence.relies_on = {"PUSH-FORMAT"};
    consequence.message = "its push never came";
    RunResult run = run_of({passing_case("login.first"), consequence, proof,
                            error_case("limits.broken", "fixture: cannot create the org unit"),
                            skipped_case("exit.later", "level should not selected")});
    run.target = "127.0.0.1:7777";
    run.tool_version = "9.9.9";
    return run;
}

TEST(HtmlText, EscapesMarkupAndShowsEveryByteReadably) {
    EXPECT_EQ(html_text("<a href=\"x\">&'</a>"),
              "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    EXPECT_EQ(html_text("bad \xff byte, nul \0 here"s), "bad \\xFF byte, nul \\x00 here");
    EXPECT_EQ(html_text("esc \x1b[2J, C1 \xc2\x85"), "esc \\x1B[2J, C1 \\u0085");
    EXPECT_EQ(html_text("line\nnext"), "line\nnext") << "newlines are kept: <pre> shows them";
    EXPECT_EQ(html_text("caf\xc3\xa9 \xe2\x86\x92"), "caf\xc3\xa9 \xe2\x86\x92") << "UTF-8 kept";
}

TEST(HtmlText, NeutralisesBidirectionalControls) {
    // U+202E RIGHT-TO-LEFT OVERRIDE would show "exe.txt" as "txt.exe" and worse.
    EXPECT_EQ(html_text("a\xe2\x80\xae"
                        "b"),
              "a\\u202Eb");
    EXPECT_EQ(html_text("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9"), "\\u202A\\u2066\\u2069");
    EXPECT_EQ(html_text("\xe2\x80\xa9"), "\xe2\x80\xa9") << "U+2029 is not a bidi control";
}

TEST(HtmlText, AnchorsAreSafeAndDistinct) {
    EXPECT_EQ(html_anchor("case-", "delivery.one"), "case-delivery.one");
    EXPECT_EQ(html_anchor("case-", "a\"b c"), "case-a_22b_20c");
    EXPECT_NE(html_anchor("", "a_2E"), html_anchor("", "a.")) << "the escape byte is escaped";
}

TEST(HtmlReporter, PutsTheVerdictAndCountsFirst) {
    const std::string html = render(attributed_run());
    const auto verdict = find(html, "<h1 id=\"verdict\">INCOMPLETE (harness errors)</h1>");
    ASSERT_NE(verdict, std::string::npos) << html;
    EXPECT_NE(find(html, "1 deviation, 1 consequence"), std::string::npos);
    EXPECT_NE(find(html, "1 passed \u00b7 2 failed \u00b7 1 error \u00b7 1 skipped (of 5 cases)"),
              std::string::npos)
        << html.substr(0, 3000);
    EXPECT_LT(verdict, find(html, "<section id=\"deviations\">"));
    EXPECT_NE(find(html, "<header class=\"incomplete\">"), std::string::npos);
}

TEST(HtmlReporter, ShowsEachDeviationWithItsProofAndFoldsItsConsequences) {
    const std::string html = render(attributed_run());
    const std::string article =
        between(html, "<article class=\"deviation\" id=\"deviation-PUSH-FORMAT\">", "</article>");
    ASSERT_FALSE(article.empty()) << html;
    EXPECT_NE(article.find("<code class=\"clause\">PUSH-FORMAT</code>"), std::string::npos);
    EXPECT_NE(article.find("<code>delivery.push</code>"), std::string::npos);
    EXPECT_NE(article.find("\u201cIt looks like this: timestamp:user:message\u201d"),
              std::string::npos)
        << "the quoted requirement";
    EXPECT_NE(article.find("<dd class=\"expected\">opcode 5, payload matching "
                           "(?&lt;ts&gt;[0-9]+):alice:hello</dd>"),
              std::string::npos)
        << article;
    EXPECT_NE(article.find("<dd class=\"actual\">nothing within 2000 ms</dd>"), std::string::npos);
    const std::string transcript = between(article, "<details class=\"transcript\">", "</details>");
    EXPECT_NE(transcript.find("+12.345ms alice \u2192 setup (0x04) flags 2 ts 0"),
              std::string::npos)
        << transcript;
    EXPECT_NE(transcript.find("bytes: 04 00 00 00 02 00 00 00 00 00 00 00 00"), std::string::npos);

    const std::string folded = between(article, "<details class=\"consequences\">", "</details>");
    EXPECT_NE(folded.find("<summary>1 consequence"), std::string::npos) << folded;
    EXPECT_NE(folded.find("<code>send.relies</code> \u2014 A send that needs pushes to work: "
                          "consequence of PUSH-FORMAT (see <a href=\"#deviation-PUSH-FORMAT\">"
                          "delivery.push</a>)"),
              std::string::npos)
        << folded;
    EXPECT_NE(folded.find("its push never came"), std::string::npos);
    // The consequence is shown there only, not a second time as a case of its own.
    const std::string anchor = "id=\"" + html_anchor("case-", "send.relies/0") + "\"";
    EXPECT_NE(folded.find(anchor), std::string::npos);
    EXPECT_EQ(html.find(anchor), html.rfind(anchor));
}

TEST(HtmlReporter, ListsTheOtherCasesThatDidNotPass) {
    const std::string html = render(attributed_run());
    const std::string other = between(html, "<section id=\"other\">", "</section>");
    EXPECT_NE(other.find("<code>limits.broken</code>"), std::string::npos) << other;
    EXPECT_NE(other.find("fixture: cannot create the org unit"), std::string::npos);
    EXPECT_NE(other.find("exit.later"), std::string::npos);
    EXPECT_NE(other.find("level should not selected"), std::string::npos);
    EXPECT_EQ(other.find("delivery.push"), std::string::npos) << "it is under its deviation";
}

TEST(HtmlReporter, TablesCountByAreaLevelAndClause) {
    const std::string html = render(attributed_run());
    EXPECT_NE(find(html, "<tr><td>delivery</td><td class=\"n\">1</td><td class=\"n\">0</td>"
                         "<td class=\"n\">1</td>"),
              std::string::npos)
        << between(html, "<section id=\"counts\">", "</section>");
    EXPECT_NE(find(html, "<tr><td>must</td><td class=\"n\">5</td><td class=\"n\">1</td><td "
                         "class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">1</td><td>"
                         "always</td></tr>"),
              std::string::npos);
    const std::string clauses = between(html, "<section id=\"clauses\">", "</section>");
    const std::string row =
        between(clauses, "<tr><td><a href=\"#deviation-PUSH-FORMAT\">", "</tr>");
    EXPECT_NE(row.find("<span class=\"v v-fail\">fail</span>"), std::string::npos) << clauses;
    EXPECT_NE(row.find("<code>delivery.push</code>"), std::string::npos);
    EXPECT_NE(clauses.find("<code>SEND-SZ</code>"), std::string::npos);
}

TEST(HtmlReporter, NamesTheRunButNoSecret) {
    RunResult run = attributed_run();
    run.settings = {{"transport", "tf"},
                    {"proto_version", "0.0"},
                    {"session_key_size", "32"},
                    {"hash", "SECRET-HASH"},
                    {"private_key", "-----BEGIN PRIVATE KEY-----"}};
    run.scenario_set_sha256 = std::string(64, 'a');
    run.scenario_files = 5;
    const std::string html = render(run);
    const std::string details = between(html, "<section id=\"run\">", "</section>");
    EXPECT_NE(details.find("<td class=\"mono\">127.0.0.1:7777</td>"), std::string::npos);
    EXPECT_NE(details.find("xsime-conform 9.9.9"), std::string::npos);
    EXPECT_NE(details.find("<tr><th>session_key_size</th><td>32</td></tr>"), std::string::npos);
    EXPECT_NE(details.find("<tr><th>proto_version</th><td>0.0</td></tr>"), std::string::npos);
    EXPECT_NE(details.find(std::string(64, 'a')), std::string::npos);
    EXPECT_EQ(html.find("SECRET-HASH"), std::string::npos);
    EXPECT_EQ(html.find("BEGIN PRIVATE KEY"), std::string::npos);
}

TEST(HtmlReporter, EscapesEverythingFromTheRun) {
    CaseResult hostile = failing_case("delivery.<img src=x onerror=alert(1)>");
    hostile.name = "name </details><script>alert(2)</script>";
    hostile.message = "bad \xff\xfe bytes \x1b[31m";
    hostile.actual = "\"quoted\" & <b>";
    hostile.transcript.push_back(xsime::test::entry(
        std::chrono::microseconds(1), "s<1>", TranscriptEntry::Kind::received, "<script>\x01\xff"));
    const std::string html = render(run_of({hostile}));
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<b>"), std::string::npos);
    EXPECT_EQ(html.find('\x1b'), std::string::npos);
    EXPECT_EQ(html.find('\xff'), std::string::npos);
    EXPECT_NE(html.find("delivery.&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
    EXPECT_NE(html.find("bad \\xFF\\xFE bytes \\x1B[31m"), std::string::npos);
    EXPECT_NE(html.find("&quot;quoted&quot; &amp; &lt;b&gt;"), std::string::npos);
    EXPECT_NE(html.find("s&lt;1&gt; \u2190 3c 73 63 72 69 70 74 3e 01 ff"), std::string::npos)
        << "bytes that are not text show as hex";
}

TEST(HtmlReporter, FetchesNothingAndRunsNoScript) {
    const std::string html = render(attributed_run());
    EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                        "'none'; style-src 'unsafe-inline'\">"),
              std::string::npos);
    // Every link stays in the page; nothing names a resource elsewhere.
    const boost::regex reference(R"re(\b(href|src|action|srcset|data)\s*=\s*"([^"]*)")re");
    for (boost::sregex_iterator it(html.begin(), html.end(), reference), end; it != end; ++it) {
        EXPECT_EQ((*it)[1].str(), "href") << (*it)[0].str();
        EXPECT_EQ((*it)[2].str().rfind('#', 0), 0u) << (*it)[0].str();
    }
    EXPECT_EQ(html.find("http:"), std::string::npos);
    EXPECT_EQ(html.find("https:"), std::string::npos);
    EXPECT_EQ(html.find("url("), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
}

// Tags open and close in order, so that no section swallows the next one.
TEST(HtmlReporter, NestsItsElements) {
    const std::string html = render(attributed_run());
    const std::set<std::string> void_elements = {"meta", "br"};
    const boost::regex tag(R"(<(/?)([a-z0-9]+)[^>]*>)");
    std::vector<std::string> open;
    for (boost::sregex_iterator it(html.begin(), html.end(), tag), end; it != end; ++it) {
        const std::string name = (*it)[2].str();
        if (void_elements.count(name) > 0) {
            continue;
        }
        if ((*it)[1].str().empty()) {
            open.push_back(name);
            continue;
        }
        ASSERT_FALSE(open.empty()) << "</" << name << "> closes nothing";
        ASSERT_EQ(open.back(), name) << "at offset " << it->position();
        open.pop_back();
    }
    EXPECT_TRUE(open.empty()) << open.size() << " elements left open";
    EXPECT_EQ(html.rfind("</html>\n"), html.size() - 8);
}

TEST(HtmlReporter, SaysWhyARunIsIncomplete) {
    RunResult run = run_of({passing_case("login.first")}, true);
    run.interrupted = true;
    run.target_error = "plain 127.0.0.1:1: target <unreachable>";
    run.load_errors = {{"scenarios/x/<bad>.json", "/steps/1", "expected an object"}};
    const std::string html = render(run);
    EXPECT_NE(html.find("Interrupted (SIGINT or SIGTERM)"), std::string::npos);
    EXPECT_NE(html.find("No case ran: plain 127.0.0.1:1: target &lt;unreachable&gt;"),
              std::string::npos);
    EXPECT_NE(html.find("The run deadline cut the run short"), std::string::npos);
    EXPECT_NE(html.find("1 scenario file error"), std::string::npos);
    EXPECT_NE(html.find("scenarios/x/&lt;bad&gt;.json: /steps/1: expected an object"),
              std::string::npos);
}

TEST(HtmlReporter, AConformantRunSaysSoAndHasNoDeviation) {
    const std::string html = render(run_of({passing_case("login.first")}));
    EXPECT_NE(html.find("<header class=\"ok\">"), std::string::npos);
    EXPECT_NE(html.find("<h1 id=\"verdict\">CONFORMANT</h1>"), std::string::npos);
    EXPECT_NE(html.find("0 deviations, 0 consequences"), std::string::npos);
    EXPECT_NE(html.find("<p>None: no case failed.</p>"), std::string::npos);
}

TEST(HtmlReporter, CutsALongTranscriptToItsEnd) {
    CaseResult result = failing_case("delivery.long");
    result.transcript.clear();
    for (int i = 0; i < 100; ++i) {
        result.transcript.push_back(xsime::test::entry(std::chrono::microseconds(i), "s",
                                                       TranscriptEntry::Kind::note, "",
                                                       "entry " + std::to_string(i)));
    }
    const std::string html = render(run_of({result}));
    EXPECT_NE(html.find("Transcript (last 40 of 100 entries)"), std::string::npos);
    EXPECT_NE(html.find("entry 99\n"), std::string::npos);
    EXPECT_NE(html.find("entry 60\n"), std::string::npos);
    EXPECT_EQ(html.find("entry 59\n"), std::string::npos);
}

} // namespace
