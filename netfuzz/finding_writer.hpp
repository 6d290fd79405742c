// Writes a finding as a scenario file (scenarios/FORMAT.md, canonical layout) that
// `xsime-conform run FILE` replays: the fuzzed bytes per session (send_raw / send_chunks, the
// case's org unit as ${org}), valid sessions as their steps with the expectations, and the
// check that fails on the faulty server: a liveness login (crash), an exit that must be
// echoed (hang), the violated expectation (spec). De-duplicated by kind and signature.
#pragma once

#include "harness/json_document.hpp"
#include "netfuzz/case_model.hpp"
#include "netfuzz/oracles.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xsime::netfuzz {

struct Finding {
    Verdict verdict;
    Case fuzz_case; // minimised
    std::uint64_t seed = 0;
    std::uint64_t case_number = 0;
    std::vector<std::string_view> mutations;
    std::string server_stderr; // the last lines the server wrote (a sanitizer report)
};

// The user the crash check's fresh session logs in as; it is in every finding's fixture.
inline constexpr std::string_view probe_user = "probe";

// "fuzz.<kind>-<8 hex digits of the signature's hash>".
std::string finding_id(const Verdict& verdict);
// The scenario, as a JSON value.
harness::Json finding_scenario(const Finding& finding);

struct WrittenFinding {
    std::string id;
    std::filesystem::path path; // DIR/fuzz/<kind>-<hash8>.json (the id names its folder)
    bool duplicate = false;     // a finding with this id was already there: left as it was
};

// Where a finding of `verdict` goes, DIR/fuzz/<kind>-<hash8><extension>, its folder made;
// `duplicate` when the file is already there. An error says which folder could not be made.
std::variant<WrittenFinding, std::string>
finding_file(const Verdict& verdict, const std::filesystem::path& dir, std::string_view extension);

// Writes DIR/fuzz/<kind>-<hash8>.json (and .stderr.txt beside it when the server wrote some);
// an error says which path failed.
std::variant<WrittenFinding, std::string> write_finding(const Finding& finding,
                                                        const std::filesystem::path& dir);

} // namespace xsime::netfuzz
