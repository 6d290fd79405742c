// `xsime-conform fuzz`: the network fuzzer (docs/network-fuzzer.md). Checks the options,
// reaches or starts the target, runs the campaign (netfuzz/campaign.hpp) with a status line,
// and ends with a summary of the findings written as scenarios.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/fuzz_target.hpp"
#include "cli/run_options.hpp"
#include "cli/run_target.hpp"
#include "netfuzz/campaign.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <unistd.h>

namespace xsime::cli {
namespace {

struct FuzzOptions {
    RunOptions reach; // target, root, transport and the tf options, as `run` takes them
    std::string exec;
    std::uint64_t seed = 1;
    std::string duration = "20s";
    std::uint64_t max_cases = 0;
    std::string findings = "fuzz-findings";
    unsigned reply_timeout_ms = 1000;
    unsigned jobs = 4;
};

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
    interrupted = true;
}

// "20s", "500ms", "10m", "8h" (a bare number is seconds).
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
    static const std::regex form("^([0-9]{1,9})(ms|s|m|h)?$");
    std::smatch m;
    if (!std::regex_match(text, m, form)) {
        return std::nullopt;
    }
    const auto n = std::stoull(m[1].str());
    const auto unit = m[2].str();
    const std::uint64_t factor = unit == "ms"  ? 1
                                 : unit == "m" ? 60'000
                                 : unit == "h" ? 3'600'000
                                               : 1000;
    return std::chrono::milliseconds(n * factor);
}

std::optional<Target> parse_host_port(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return std::nullopt;
    }
    const auto port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
        std::stoul(port) > 65535) {
        return std::nullopt;
    }
    return Target{text.substr(0, colon), static_cast<std::uint16_t>(std::stoul(port))};
}

// The usage error, or none; fills `plan` for open_target.
std::optional<std::string> check(const FuzzOptions& o, RunPlan& plan) {
    if (!o.exec.empty() && !o.reach.target.empty()) {
        return "--exec starts the server and --target names one: give one";
    }
    if (!o.exec.empty() && o.exec.find("{port}") == std::string::npos) {
        // The fuzzer picks the port (and a new one at each restart): the server must be told it.
        return "--exec: the command must take the port as {port} (e.g. \"./srv --port {port}\"), "
               "got '" +
               o.exec + "'";
    }
    if (!o.reach.target.empty()) {
        plan.target = parse_host_port(o.reach.target);
        if (!plan.target) {
            return "--target: expected HOST:PORT, got '" + o.reach.target + "'";
        }
    }
    plan.tf = o.reach.transport == "tf";
    if ((plan.target || !o.exec.empty()) && plan.tf && o.reach.pubkey.empty()) {
        return "--transport tf with --target or --exec needs --pubkey (the server's public key)";
    }
    for (const auto& name : o.reach.server_faults) {
        const auto fault = mock::parse_fault(name);
        if (!fault) {
            return "--server-fault: unknown fault '" + name + "'";
        }
        if (plan.target || !o.exec.empty()) {
            return "--server-fault only applies to the embedded server; with --exec pass "
                   "--fault to the server's command";
        }
        if (*fault == mock::Fault::planted_crash) {
            return "--server-fault planted_crash would abort the fuzzer itself (the embedded "
                   "server runs in-process): start the server with --exec";
        }
        plan.server_faults.add(*fault);
    }
    if (!parse_duration(o.duration)) {
        return "--duration: expected a number with s, ms, m or h (20s, 8h), got '" + o.duration +
               "'";
    }
    return std::nullopt;
}

// The embedded server's temporary root goes to /dev/shm (a tmpfs) unless TMPDIR says
// otherwise: every case makes and removes an org unit, and on a disk those metadata writes,
// not the server, would set the pace.
void prefer_memory_root() {
    std::error_code ec;
    if (std::getenv("TMPDIR") == nullptr && std::filesystem::is_directory("/dev/shm", ec) &&
        access("/dev/shm", W_OK) == 0) {
        setenv("TMPDIR", "/dev/shm", 0);
    }
}

// A folder of the fuzzer's own for the embedded server's temporary root (which follows TMPDIR):
// only there may the outside-org-unit oracle watch the root's parent and put a canary beside
// the root, since nothing else writes to it. Removed, and TMPDIR restored, at the end.
class OwnTempDir {
public:
    OwnTempDir() {
        if (const char* was = std::getenv("TMPDIR")) {
            previous_ = was;
        }
        std::error_code ec;
        auto pattern = (std::filesystem::temp_directory_path(ec) / "xsime-fuzz-XXXXXX").string();
        if (!ec && ::mkdtemp(pattern.data()) != nullptr) {
            path_ = pattern;
            setenv("TMPDIR", pattern.c_str(), 1);
        }
    }
    ~OwnTempDir() {
        if (path_.empty()) {
            return;
        }
        previous_ ? setenv("TMPDIR", previous_->c_str(), 1) : unsetenv("TMPDIR");
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    OwnTempDir(const OwnTempDir&) = delete;
    OwnTempDir& operator=(const OwnTempDir&) = delete;
    // Empty when it could not be made (the oracle then watches the root alone).
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    std::optional<std::string> previous_;
};

void print_summary(const netfuzz::CampaignResult& result, std::ostream& out) {
    out << "fuzz: " << result.stats.line() << " in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(result.stats.elapsed).count()
        << " ms\n";
    if (result.findings.empty() && !result.fault) { // a run that stopped early proves nothing
        out << "fuzz: no finding\n";
    }
    for (const auto& f : result.findings) {
        out << "  " << netfuzz::kind_name(f.verdict.kind) << "  " << f.written.id << "  "
            << f.written.path.string() << (f.written.duplicate ? " (already there)" : "")
            << "\n    " << f.verdict.detail;
        if (f.messages_before) {
            out << "\n    minimised from " << f.messages_before << " to " << f.messages_after
                << " messages in " << f.minimise_runs << " runs; replay: xsime-conform run "
                << f.written.path.string();
        }
        out << '\n';
    }
    if (result.stats.unconfirmed) {
        out << "fuzz: " << result.stats.unconfirmed
            << " suspicious cases showed nothing when run again alone (not findings)\n";
    }
    if (result.stats.duplicates) {
        out << "fuzz: " << result.stats.duplicates
            << " more findings had a signature already seen\n";
    }
}

int fuzz(const FuzzOptions& o) {
    RunPlan plan;
    if (auto problem = check(o, plan)) {
        std::cerr << "xsime-conform fuzz: " << *problem << '\n';
        return exit_usage;
    }
    std::optional<OwnTempDir> own_tmp; // outlives the target, whose root is in it
    std::filesystem::path local_root = o.reach.root;
    std::unique_ptr<netfuzz::FuzzTarget> target;
    if (!o.exec.empty()) {
        auto started = ExecTarget::start(o.exec, o.reach);
        if (auto* error = std::get_if<std::string>(&started)) {
            std::cerr << "xsime-conform fuzz: " << *error << '\n';
            return exit_harness_fault;
        }
        target = std::move(std::get<std::unique_ptr<ExecTarget>>(started));
    } else {
        if (!plan.target) {
            prefer_memory_root();
            own_tmp.emplace();
        }
        auto opened = open_target(o.reach, plan);
        if (auto* stop = std::get_if<RunStop>(&opened)) {
            std::cerr << "xsime-conform fuzz: " << stop->message << '\n';
            return stop->exit_code;
        }
        if (const auto& embedded = std::get<RunTarget>(opened).embedded) {
            local_root = embedded->root();
        }
        target = std::make_unique<ReachedTarget>(std::move(std::get<RunTarget>(opened)));
    }
    netfuzz::CampaignOptions options;
    options.seed = o.seed;
    options.duration = *parse_duration(o.duration);
    options.max_cases = o.max_cases;
    options.findings_dir = o.findings;
    options.local_root = local_root;
    options.owns_root_parent =
        own_tmp && !own_tmp->path().empty() && local_root.parent_path() == own_tmp->path();
    options.exec.reply_timeout = std::chrono::milliseconds(o.reply_timeout_ms);
    options.jobs = o.jobs;
    const bool tty = isatty(STDERR_FILENO) != 0;
    options.status_every = std::chrono::milliseconds(tty ? 250 : 10'000);
    auto status = [tty](const netfuzz::CampaignStats& stats) {
        if (tty) {
            std::cerr << "\r\033[Kfuzz: " << stats.line() << std::flush;
        } else {
            std::cerr << "fuzz: " << stats.line() << '\n';
        }
    };
    interrupted = false;
    auto previous = std::signal(SIGINT, on_interrupt);
    const auto result = netfuzz::run_campaign(options, *target, status, interrupted);
    std::signal(SIGINT, previous);
    if (tty) {
        std::cerr << "\r\033[K";
    }
    print_summary(result, std::cout);
    if (result.fault) {
        std::cerr << "xsime-conform fuzz: " << *result.fault << '\n';
        return exit_harness_fault;
    }
    return result.findings.empty() ? exit_ok : exit_nonconformant;
}

// Where the fuzzer attacks: options grouped as `run` groups them.
void add_target_options(CLI::App& cmd, FuzzOptions& o) {
    const std::string target = "Target (default: the embedded reference server)";
    cmd.add_option("--target", o.reach.target, "The server to attack, e.g. 127.0.0.1:7777")
        ->type_name("HOST:PORT")
        ->group(target);
    cmd.add_option("--exec", o.exec,
                   "Start the server: a command with {port} (e.g. \"./srv --port {port}\"); "
                   "restarted after a crash")
        ->type_name("CMD")
        ->group(target);
    cmd.add_option("--root", o.reach.root,
                   "The server's mailbox root on this machine, for local fixtures (else they "
                   "go through TF commands)")
        ->type_name("DIR")
        ->group(target);
    cmd.add_option("--fixtures", o.reach.fixtures, "Where fixtures are made: auto, local or remote")
        ->type_name("auto|local|remote")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "local", "remote"}))
        ->group(target);
    cmd.add_option("--server-fault", o.reach.server_faults,
                   "Embedded server only: inject this fault (repeatable)")
        ->type_name("NAME")
        ->group(target);
    const std::string tf = "TF transport";
    cmd.add_option("--transport", o.reach.transport, "plain or tf")
        ->type_name("plain|tf")
        ->capture_default_str()
        ->check(CLI::IsMember({"plain", "tf"}))
        ->group(tf);
    cmd.add_option("--pubkey", o.reach.pubkey, "tf: the server's RSA public key (PEM)")
        ->type_name("FILE")
        ->group(tf);
    cmd.add_option("--hash", o.reach.hash, "tf: the hash string")->type_name("STR")->group(tf);
    cmd.add_option("--proto-version", o.reach.proto_version, "tf: the protocol version")
        ->type_name("STR")
        ->capture_default_str()
        ->group(tf);
    cmd.add_option("--session-key-size", o.reach.session_key_size,
                   "tf: bytes of the random session key, 16 to 214 (default: 32)")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{16}, std::size_t{214}))
        ->group(tf);
}

// How long, how, and where the findings go.
void add_campaign_options(CLI::App& cmd, FuzzOptions& o) {
    const std::string campaign = "Campaign";
    cmd.add_option("--seed", o.seed, "Seed of every random choice")
        ->type_name("N")
        ->capture_default_str()
        ->group(campaign);
    cmd.add_option("--duration", o.duration, "How long to fuzz: 20s, 10m, 8h")
        ->type_name("TIME")
        ->capture_default_str()
        ->group(campaign);
    cmd.add_option("--max-cases", o.max_cases, "Stop after this many cases (default: no limit)")
        ->type_name("N")
        ->group(campaign);
    cmd.add_option("--jobs", o.jobs,
                   "Cases run at the same time; a suspicious one runs again alone before it "
                   "counts")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::Range(1u, 16u))
        ->group(campaign);
    cmd.add_option("--reply-timeout-ms", o.reply_timeout_ms,
                   "How long an answer may take before it counts as missing")
        ->type_name("MS")
        ->capture_default_str()
        ->check(CLI::Range(10u, 60'000u))
        ->group(campaign);
    cmd.add_option("--findings", o.findings, "Folder of the findings (DIR/fuzz/*.json)")
        ->type_name("DIR")
        ->capture_default_str()
        ->group("Findings");
}

} // namespace

void setup_cmd_fuzz(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<FuzzOptions>();
    auto* cmd = app.add_subcommand(
        "fuzz", "Attack a live XSIME server with mutated sessions; write each crash, hang or "
                "spec violation found as a scenario that `run` replays (docs/network-fuzzer.md). "
                "Exit codes: 0 no finding, 1 findings, 2 usage error, 3 harness fault");
    add_target_options(*cmd, *o);
    add_campaign_options(*cmd, *o);
    cmd->callback([o, &exit_code] { exit_code = fuzz(*o); });
}

} // namespace xsime::cli
