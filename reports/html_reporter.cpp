// The HTML reporter (html_reporter.hpp): the page, its style and the verdict at its top; the
// sections come from html_cases.cpp and html_tables.cpp.
#include "reports/html_reporter.hpp"

#include "reports/html_sections.hpp"
#include "reports/html_text.hpp"
#include "reports/report_text.hpp"

#include <algorithm>
#include <string>

namespace xsime::reports {

using harness::Outcome;
using harness::RunResult;
using harness::Verdict;

namespace {

// Nothing may be fetched: the page must read the same offline, archived, years later. The
// policy makes a browser refuse any URL that slipped in; styles are inline.
constexpr std::string_view head_meta =
    "<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta name=\"generator\" content=\"xsime-conform\">\n";

constexpr std::string_view style = R"(<style>
body{font:15px/1.45 "DejaVu Sans",system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main,header>div{max-width:72rem;margin:0 auto;padding:0 1.5rem}
header{padding:1.2rem 0 1rem;color:#fff}
header.ok{background:#1e7d32}header.bad{background:#b3261e}header.incomplete{background:#7b3fa0}
header h1{font-size:2.2rem;margin:.2rem 0}header p{margin:.25rem 0}
.tool{opacity:.9;font-size:.9rem}.counts{font-size:1.1rem}.notice{font-weight:bold}
h2{border-bottom:2px solid #ccc;padding-bottom:.2rem;margin-top:2.2rem}
code,pre,.mono{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:.88em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f0f0f0;padding:.5rem;margin:.3rem 0}
.deviation{border-left:6px solid #b3261e;background:#fff;padding:.4rem 1rem .8rem;margin:1rem 0}
.deviation h3{margin:.4rem 0;font-size:1.15rem}.deviation h3 code{font-size:1.1em}.case{margin:.8rem 0;padding-top:.3rem;border-top:1px dashed #ddd}
.case:first-of-type{border-top:none}
blockquote{margin:.4rem 0;padding:.2rem .8rem;border-left:3px solid #999;font-style:italic}
dl{display:grid;grid-template-columns:10.5rem 1fr;gap:.15rem .8rem;margin:.4rem 0}
dt{font-weight:bold;color:#555}dd{margin:0;overflow-wrap:anywhere}
dd.expected,dd.actual{font-family:"DejaVu Sans Mono",ui-monospace,monospace;white-space:pre-wrap}
dd.actual{color:#b3261e}
table{border-collapse:collapse;margin:.5rem 0;background:#fff}
th,td{border:1px solid #ccc;padding:.2rem .6rem;text-align:left;vertical-align:top}
td.n{text-align:right}th{background:#eee;white-space:nowrap}td:first-child code{white-space:nowrap}
.badge,.v{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.8rem;margin:0 .1rem}
.badge{background:#ddd}.v-pass{background:#c8e6c9}.v-fail{background:#ffcdd2}
.v-error{background:#e1bee7}.v-skipped{background:#e0e0e0}
summary{cursor:pointer;font-weight:bold;margin:.3rem 0}
.consequences li{margin:.2rem 0}.dim{color:#666}
@media print{header{color:#000;background:none!important;border-bottom:4px solid #000}
details.consequences::details-content{content-visibility:visible;display:block}}
</style>
)";

std::string_view verdict_class(const Outcome& outcome) {
    if (outcome.conformant) {
        return "ok";
    }
    return outcome.incomplete ? "incomplete" : "bad";
}

std::string counts_line(const Outcome& outcome) {
    std::string line = std::to_string(outcome.count(Verdict::pass)) + " passed \u00b7 " +
                       std::to_string(outcome.count(Verdict::fail)) + " failed \u00b7 " +
                       plural(static_cast<std::size_t>(outcome.count(Verdict::error)), "error") +
                       " \u00b7 " + std::to_string(outcome.count(Verdict::skipped)) + " skipped";
    const auto add = [&](int count, std::string_view what) {
        if (count > 0) {
            line += " \u00b7 " + std::to_string(count) + " " + std::string(what);
        }
    };
    add(outcome.not_run, "not run");
    add(outcome.flaky, "flaky");
    add(outcome.expected_failures, "expected failures (baseline)");
    add(outcome.unexpected_passes, "unexpected passes (baseline)");
    add(outcome.warnings, "interop warnings");
    return line;
}

// Why the run may say less than it should: no target, cut short, stopped, files that did not
// load.
void write_notices(const RunResult& run, std::ostream& out) {
    if (!run.target_error.empty()) {
        out << "<p class=\"notice\">No case ran: " << html_text(run.target_error) << "</p>\n";
    }
    if (run.interrupted) {
        out << "<p class=\"notice\">Interrupted (SIGINT or SIGTERM): the cases after it never "
               "ran and are not in this report.</p>\n";
    }
    if (run.timed_out) {
        out << "<p class=\"notice\">The run deadline cut the run short: the cases not in this "
               "report did not run.</p>\n";
    }
    if (run.load_errors.empty()) {
        return;
    }
    out << "<p class=\"notice\">"
        << html_text(plural(run.load_errors.size(), "scenario file error"))
        << ": the run is incomplete without those files.</p>\n<ul class=\"load-errors\">\n";
    for (const auto& error : run.load_errors) {
        std::string text = error.file + ": ";
        if (!error.pointer.empty()) {
            text += error.pointer + ": ";
        }
        out << "<li>" << element("code", "", text + error.message) << "</li>\n";
    }
    out << "</ul>\n";
}

void write_header(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    out << "<header class=\"" << verdict_class(outcome) << "\"><div>\n";
    out << "<p class=\"tool\">xsime-conform " << html_text(run.tool_version)
        << " conformance report \u00b7 target " << html_text(run.target) << " \u00b7 started "
        << html_text(iso8601_utc(run.started, true)) << " \u00b7 "
        << html_text(seconds3(run.duration)) << " s</p>\n";
    out << "<h1 id=\"verdict\">" << html_text(harness::verdict_line(outcome)) << "</h1>\n";
    out << "<p class=\"counts\">"
        << html_text(plural(outcome.deviations.size(), "deviation") + ", " +
                     plural(static_cast<std::size_t>(outcome.consequences), "consequence"))
        << "</p>\n";
    out << "<p class=\"counts\">" << html_text(counts_line(outcome)) << " (of "
        << plural(std::max(static_cast<std::size_t>(outcome.total), run.planned), "case")
        << ")</p>\n";
    write_notices(run, out);
    out << "</div></header>\n";
}

} // namespace

void write_html(const RunResult& run, const Outcome& outcome, std::ostream& out) {
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n" << head_meta;
    out << "<title>" << html_text(harness::verdict_line(outcome)) << " \u2014 "
        << html_text(run.target) << " \u2014 xsime-conform</title>\n"
        << style << "</head>\n<body>\n";
    write_header(run, outcome, out);
    out << "<main>\n";
    html::write_deviations(run, outcome, out);
    html::write_other_cases(run, outcome, out);
    html::write_count_tables(run, outcome, out);
    html::write_clause_matrix(run, outcome, out);
    html::write_run_details(run, out);
    out << "</main>\n</body>\n</html>\n";
}

} // namespace xsime::reports
