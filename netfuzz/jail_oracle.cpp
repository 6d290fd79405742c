// The outside-org-unit oracle's bookkeeping and its text finding (jail_oracle.hpp).
#include "netfuzz/jail_oracle.hpp"

#include <fstream>
#include <utility>

namespace xsime::netfuzz {
namespace {

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out += digits[static_cast<unsigned char>(c) >> 4];
        out += digits[static_cast<unsigned char>(c) & 0xf];
    }
    return out;
}

std::string_view kind_text(MessageKind kind) {
    static constexpr std::string_view names[] = {"start",    "setup", "org_unit", "user",
                                                 "interval", "send",  "exit",     "raw"};
    return names[static_cast<std::size_t>(kind)];
}

} // namespace

std::variant<std::unique_ptr<JailOracle>, std::string>
JailOracle::start(const std::filesystem::path& root, bool owns_parent, std::string canary_org,
                  std::function<bool(std::string_view)> expected) {
    JailWatchOptions options{root, std::move(canary_org), {}, owns_parent, std::move(expected)};
    for (std::size_t i = 0; i < max_sessions; ++i) {
        options.canary_users.push_back(session_user(i));
    }
    options.canary_users.emplace_back(probe_user);
    auto started = JailWatch::start(std::move(options));
    if (auto* error = std::get_if<std::string>(&started)) {
        return *error;
    }
    return std::make_unique<JailOracle>(std::move(std::get<std::unique_ptr<JailWatch>>(started)));
}

void JailOracle::after_case(const Case& fuzz_case, const std::string& org) {
    auto changes = watch_->changes();
    if (seen_ || changes.empty()) {
        return;
    }
    seen_ = JailFinding{*judge_jail(changes), std::move(changes), fuzz_case, org, 0, 0, {}};
}

std::optional<JailFinding> JailOracle::take() {
    return std::exchange(seen_, std::nullopt);
}

std::variant<WrittenFinding, std::string> write_jail_finding(const JailFinding& finding,
                                                             const std::filesystem::path& dir) {
    auto file = finding_file(finding.verdict, dir, ".txt");
    auto* found = std::get_if<WrittenFinding>(&file);
    if (found == nullptr || found->duplicate) {
        return file;
    }
    WrittenFinding written = std::move(*found);
    std::ofstream out(written.path, std::ios::binary);
    out << finding.verdict.signature << " (clause PATHS-JAIL: a user or recipient never leaves its "
        << "org unit, no path leaves the root)\n"
        << finding.verdict.detail << "\n\nChanged, as seen from the root:\n";
    for (const auto& change : finding.changes) {
        out << "  " << change.path << ": " << change.what << '\n';
    }
    out << "\nSeen after case " << finding.case_number << " of seed " << finding.seed
        << " (or a rerun of it while its finding was minimised); `xsime-conform fuzz --seed "
        << finding.seed << " --max-cases " << finding.case_number + 1
        << "` builds it again as its last case.\nMutations:";
    for (const auto m : finding.mutations) {
        out << ' ' << m;
    }
    out << "\nThe case, in org unit '" << finding.org << "' (one write per message, in hex):\n";
    for (std::size_t s = 0; s < finding.fuzz_case.sessions.size(); ++s) {
        const auto& session = finding.fuzz_case.sessions[s];
        out << "  session " << s + 1 << " (user " << session.user
            << (session.valid ? ", valid" : ", mutated") << ")\n";
        for (const auto& m : session.messages) {
            out << "    " << kind_text(m.kind) << ' ' << hex(wire_bytes(m, finding.org)) << '\n';
        }
    }
    out << "Write order (session per write):";
    for (const auto s : finding.fuzz_case.schedule) {
        out << ' ' << s + 1;
    }
    out << '\n';
    if (!out.flush()) {
        return written.path.string() + ": cannot write";
    }
    return written;
}

} // namespace xsime::netfuzz
