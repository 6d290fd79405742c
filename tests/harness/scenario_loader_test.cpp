// Tests for the scenario loader: the exact model of valid files, and every error path with its
// file, JSON pointer and message.
#include "harness/bytes_spec.hpp"
#include "harness/scenario_loader.hpp"
#include "harness/steps/step_kind.hpp"
#include "tests/support/files.hpp"
#include "tests/support/scenario_steps.hpp"

#include <atomic>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unistd.h>

namespace xsime::harness {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path source_dir = XSIME_SOURCE_DIR;
const fs::path data_dir = source_dir / "tests/harness/data/loader";

using test::read_file;

json template_json() {
    return json::parse(read_file(data_dir / "valid/delivery/one-recipient.json"));
}

std::vector<LoadError> errors_of_text(const std::string& text) {
    auto parsed = parse_scenario(text, "delivery/one-recipient.json");
    if (const auto* errors = std::get_if<std::vector<LoadError>>(&parsed)) {
        return *errors;
    }
    return {};
}

std::vector<LoadError> errors_of(const json& doc) {
    return errors_of_text(doc.dump(2));
}

// The template with one change applied.
std::vector<LoadError> errors_with(const std::function<void(json&)>& change) {
    json doc = template_json();
    change(doc);
    return errors_of(doc);
}

std::string listing(const std::vector<LoadError>& errors) {
    std::string out;
    for (const auto& error : errors) {
        out += "  " + format(error) + "\n";
    }
    return out.empty() ? "  (no error)\n" : out;
}

::testing::AssertionResult has_error(const std::vector<LoadError>& errors, std::string_view pointer,
                                     std::string_view part,
                                     std::string_view file = "delivery/one-recipient.json") {
    for (const auto& error : errors) {
        if (error.file == file && error.pointer == pointer &&
            error.message.find(part) != std::string::npos) {
            return ::testing::AssertionSuccess();
        }
    }
    return ::testing::AssertionFailure() << "no error in " << file << " at \"" << pointer
                                         << "\" containing \"" << part << "\"; got:\n"
                                         << listing(errors);
}

// One mistake, one error: the loader does not cascade.
::testing::AssertionResult only_error(const std::vector<LoadError>& errors,
                                      std::string_view pointer, std::string_view part) {
    if (errors.size() != 1) {
        return ::testing::AssertionFailure() << "expected exactly one error, got:\n"
                                             << listing(errors);
    }
    return has_error(errors, pointer, part);
}

// The template's steps replaced with these (one session "s" declared).
json with_steps(json steps, json sessions = json::array({"s"})) {
    json doc = template_json();
    doc["sessions"] = std::move(sessions);
    doc["steps"] = std::move(steps);
    return doc;
}

std::vector<LoadError> step_errors(const json& step) {
    return errors_of(with_steps(json::array({step})));
}

Scenario load_ok(const json& doc) {
    auto parsed = parse_scenario(doc.dump(), "delivery/one-recipient.json");
    if (auto* errors = std::get_if<std::vector<LoadError>>(&parsed)) {
        ADD_FAILURE() << "unexpected errors:\n" << listing(*errors);
        return {};
    }
    return std::get<Scenario>(parsed);
}

// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() / ("xsime-loader-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream out(path_ / name, std::ios::binary);
        out << text;
    }

private:
    fs::path path_;
};

// ---- valid files ----

TEST(ScenarioLoader, TemplateLoadsIntoTheExactModel) {
    const fs::path file = data_dir / "valid/delivery/one-recipient.json";
    auto parsed = parse_scenario(read_file(file), file);
    ASSERT_TRUE(std::holds_alternative<Scenario>(parsed))
        << listing(std::get<std::vector<LoadError>>(parsed));
    const auto& s = std::get<Scenario>(parsed);

    EXPECT_EQ(s.id, "delivery.one-recipient");
    EXPECT_EQ(s.area(), "delivery");
    EXPECT_EQ(s.name, "A message to one user is pushed to that user as timestamp:user:message");
    EXPECT_EQ(s.clauses, std::vector<std::string>{"PUSH-FORMAT"});
    EXPECT_EQ(s.requirement, "It looks like this: timestamp:user:message");
    EXPECT_EQ(s.level, Level::must);
    EXPECT_EQ(s.keywords, (std::vector<std::string>{"delivery", "push"}));
    EXPECT_FALSE(s.timeout_ms.has_value());
    EXPECT_EQ(s.fixture.users, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_TRUE(s.fixture.blacklist.empty());
    EXPECT_TRUE(s.fixture.messages.empty());
    EXPECT_TRUE(s.fixture.dirs.empty());
    EXPECT_TRUE(s.fixture.links.empty());
    EXPECT_EQ(s.sessions, (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(s.file, file);
    ASSERT_EQ(s.steps.size(), 5U);

    const auto& login_alice = s.steps[0];
    EXPECT_EQ(login_alice.session, "alice");
    EXPECT_EQ(login_alice.json_pointer, "/steps/0");
    EXPECT_EQ(login_alice.note, "");
    const auto& l0 = *login_alice.as<LoginStep>();
    EXPECT_EQ(l0.user, "alice");
    EXPECT_FALSE(l0.org_unit.has_value()); // the runner's default, "/${org}"
    EXPECT_EQ(l0.flags, 0);
    EXPECT_EQ(l0.timestamp.value, 0U);
    EXPECT_FALSE(l0.interval_ns.has_value());

    const auto& l1 = *s.steps[1].as<LoginStep>();
    EXPECT_EQ(s.steps[1].session, "bob");
    EXPECT_EQ(l1.user, "bob");
    EXPECT_EQ(l1.interval_ns, std::optional<std::uint64_t>(5'000'000));

    const auto& send = *s.steps[2].as<SendStep>();
    EXPECT_EQ(s.steps[2].session, "alice");
    EXPECT_EQ(send.to, std::vector<std::string>{"bob"});
    EXPECT_EQ(send.text.value, "hello");
    EXPECT_FALSE(send.text.literal);
    EXPECT_FALSE(send.payload.has_value());

    const auto& expect = *s.steps[3].as<ExpectStep>();
    EXPECT_EQ(s.steps[3].session, "bob");
    EXPECT_EQ(s.steps[3].note, "the push");
    EXPECT_EQ(s.steps[3].json_pointer, "/steps/3");
    EXPECT_EQ(expect.match.opcode, std::optional<std::uint8_t>(5));
    EXPECT_FALSE(expect.match.sz.has_value());
    EXPECT_FALSE(expect.match.payload.has_value());
    EXPECT_EQ(expect.match.payload_regex, std::optional<std::string>("(?<ts>[0-9]+):alice:hello"));
    EXPECT_FALSE(expect.match.from.has_value());
    EXPECT_FALSE(expect.match.text.has_value());
    EXPECT_FALSE(expect.match.text_regex.has_value());
    EXPECT_EQ(expect.match.timestamp_within_s, std::optional<std::uint32_t>(5));
    EXPECT_FALSE(expect.within_ms.has_value());
    EXPECT_FALSE(expect.skip_pushes);

    const auto& exit = *s.steps[4].as<ExitStep>();
    EXPECT_EQ(s.steps[4].session, "bob");
    EXPECT_TRUE(exit.allow_pushes);
}

TEST(ScenarioLoader, EveryActionFileLoadsIntoTheModel) {
    const auto result = load_scenarios({data_dir / "valid/loader/every-action.json"});
    ASSERT_TRUE(result.errors.empty()) << listing(result.errors);
    ASSERT_EQ(result.scenarios.size(), 1U);
    const auto& s = result.scenarios.front();
    EXPECT_EQ(s.level, Level::should);
    EXPECT_EQ(s.timeout_ms, std::optional<std::uint32_t>(15000));
    EXPECT_EQ(s.fixture.users, (std::vector<std::string>{"alice", "bob", "carol"}));
    EXPECT_EQ(s.fixture.blacklist.at("bob"), std::vector<std::string>{"mallory"});
    ASSERT_EQ(s.fixture.messages.size(), 1U);
    EXPECT_EQ(s.fixture.messages[0].to, "carol");
    EXPECT_EQ(s.fixture.messages[0].from, "alice");
    EXPECT_EQ(s.fixture.messages[0].timestamp, 1700000000U);
    EXPECT_EQ(s.fixture.messages[0].text, "waiting");
    EXPECT_EQ(s.fixture.dirs, std::vector<std::string>{"spare/inner"});
    ASSERT_EQ(s.fixture.links.size(), 1U);
    EXPECT_EQ(s.fixture.links[0].at, "alias");
    EXPECT_EQ(s.fixture.links[0].to, "../elsewhere");
    ASSERT_EQ(s.steps.size(), 24U);

    const auto& login = *s.steps[0].as<LoginStep>();
    EXPECT_EQ(login.org_unit, std::optional<std::string>("/${org}"));
    EXPECT_EQ(login.flags, 3);
    EXPECT_EQ(login.timestamp.value, 1700000000U);
    EXPECT_EQ(login.interval_ns, std::optional<std::uint64_t>(2500000));

    const auto& tf = *s.steps[1].as<TfCommandStep>();
    EXPECT_EQ(tf.command, "PWD");
    EXPECT_EQ(tf.expect_reply, std::optional<std::string>("OK"));
    EXPECT_EQ(s.steps[2].as<StartStep>()->expect_reply, "OK");
    const auto& setup = *s.steps[3].as<SetupStep>();
    EXPECT_EQ(setup.flags, 2);
    EXPECT_EQ(setup.timestamp.value, 0U);

    const auto& org = *s.steps[4].as<PathStep>();
    EXPECT_EQ(org.opcode, 1);
    EXPECT_EQ(org.path, "/${org}");
    EXPECT_EQ(org.expect_status, 0);
    const auto& nobody = *s.steps[5].as<PathStep>();
    EXPECT_EQ(nobody.opcode, 2);
    EXPECT_EQ(nobody.path, "nobody");
    EXPECT_EQ(nobody.expect_status, -1);
    EXPECT_EQ(s.steps[7].as<IntervalStep>()->nanoseconds, 25'000'000U);

    const auto& send_hex = *s.steps[8].as<SendStep>();
    EXPECT_EQ(send_hex.to, (std::vector<std::string>{"bob", "carol"}));
    EXPECT_EQ(send_hex.text.value, "hi");
    EXPECT_TRUE(send_hex.text.literal);
    const auto& send_payload = *s.steps[9].as<SendStep>();
    EXPECT_TRUE(send_payload.to.empty());
    ASSERT_TRUE(send_payload.payload.has_value());
    EXPECT_EQ(send_payload.payload->value, "bob: raw $$5"); // "$$" is expanded at run time
    EXPECT_FALSE(send_payload.payload->literal);

    const auto& any = *s.steps[10].as<AnyOfStep>();
    ASSERT_EQ(any.alternatives.size(), 2U);
    const auto& alt0 = std::get<ExpectStep>(any.alternatives[0]);
    EXPECT_EQ(alt0.match.opcode, std::optional<std::uint8_t>(5));
    EXPECT_EQ(alt0.match.from, std::optional<std::string>("alice"));
    EXPECT_EQ(alt0.within_ms, std::optional<std::uint32_t>(1000));
    EXPECT_EQ(std::get<ExpectCloseStep>(any.alternatives[1]).within_ms, 500U);

    const auto& exact = *s.steps[11].as<ExpectStep>();
    ASSERT_TRUE(exact.match.payload.has_value());
    EXPECT_EQ(exact.match.payload->value, std::string(1, '\0'));
    EXPECT_TRUE(exact.match.payload->literal);
    EXPECT_EQ(exact.match.sz, std::optional<std::int32_t>(1));
    EXPECT_TRUE(exact.skip_pushes);
    const auto& text = *s.steps[12].as<ExpectStep>();
    EXPECT_EQ(text.match.text->value, "${word}");
    EXPECT_EQ(s.steps[13].as<ExpectNothingStep>()->ms, 100U);

    const auto& mailbox = *s.steps[14].as<MailboxStep>();
    EXPECT_EQ(s.steps[14].session, ""); // mailbox and sleep use no connection
    EXPECT_EQ(mailbox.user, "carol");
    EXPECT_EQ(mailbox.count, std::optional<std::size_t>(1));
    EXPECT_EQ(mailbox.content_regex, std::optional<std::string>("(?<body>wait.*)"));
    EXPECT_EQ(mailbox.no_content_regex, std::optional<std::string>("mallory"));
    EXPECT_EQ(s.steps[15].session, "");
    EXPECT_EQ(s.steps[15].note, "let the server's interval pass");
    EXPECT_EQ(s.steps[15].as<SleepStep>()->ms, 10U);

    const auto& raw_hex = *s.steps[16].as<SendRawStep>();
    EXPECT_EQ(raw_hex.bytes.value, std::string("\x05\x00\x00\x00\x03"
                                               "abc",
                                               8));
    EXPECT_TRUE(raw_hex.bytes.literal);
    const auto& raw_text = *s.steps[17].as<SendRawStep>();
    EXPECT_EQ(raw_text.bytes.value, "${body}");
    EXPECT_FALSE(raw_text.bytes.literal);
    // A frame whose sz lies: 16385 (0x4001) announced, three bytes sent.
    const auto& raw_frame = *s.steps[18].as<SendRawStep>();
    EXPECT_EQ(raw_frame.bytes.value, std::string("\x05\x00\x00\x40\x01"
                                                 "abc",
                                                 8));
    EXPECT_TRUE(raw_frame.bytes.literal);

    const auto& chunks = *s.steps[19].as<SendChunksStep>();
    ASSERT_EQ(chunks.chunks.size(), 3U);
    EXPECT_EQ(chunks.chunks[0].value, std::string("\x07\x00\x00\x00\x00", 5)); // sz = 0
    EXPECT_EQ(chunks.chunks[1].value, std::string(4, '\0'));
    EXPECT_EQ(chunks.chunks[2].value, std::string("\x01\x00\x00\x00\x01/", 6)); // sz = length
    EXPECT_EQ(chunks.delay_ms, 50U);

    EXPECT_TRUE((s.steps[20].as<StartStep>() != nullptr)); // "restart"
    EXPECT_FALSE(s.steps[21].as<ExitStep>()->allow_pushes);
    EXPECT_TRUE((s.steps[22].as<CloseStep>() != nullptr));
    EXPECT_EQ(s.steps[23].as<ExpectCloseStep>()->within_ms, 2000U);
    EXPECT_EQ(s.steps[23].session, "a");
}

TEST(ScenarioLoader, SessionMayBeOmittedWhenExactlyOneIsDeclared) {
    const auto s = load_ok(with_steps(
        json::array({{{"login", {{"user", "alice"}}}}, {{"exit", json::object()}}}), {"only"}));
    ASSERT_EQ(s.steps.size(), 2U);
    EXPECT_EQ(s.steps[0].session, "only");
    EXPECT_EQ(s.steps[1].session, "only");
}

TEST(ScenarioLoader, DefaultsOfOptionalFields) {
    const auto s = load_ok(with_steps(json::parse(R"json([
        {"start": {}},
        {"expect_close": {}},
        {"org_unit": {"path": "/x"}},
        {"send_chunks": {"chunks": [{"text": "a"}, {"text": "b"}]}}
    ])json")));
    EXPECT_EQ(s.steps[0].as<StartStep>()->expect_reply, "OK");
    EXPECT_EQ(s.steps[1].as<ExpectCloseStep>()->within_ms, 2000U);
    EXPECT_EQ(s.steps[2].as<PathStep>()->expect_status, 0);
    EXPECT_EQ(s.steps[3].as<SendChunksStep>()->delay_ms, 0U);
}

// ---- top-level fields ----

TEST(ScenarioLoaderErrors, MissingRequiredTopLevelFields) {
    for (const std::string key :
         {"id", "name", "clauses", "requirement", "level", "keywords", "sessions", "steps"}) {
        SCOPED_TRACE(key);
        const auto errors = errors_with([&](json& doc) { doc.erase(key); });
        EXPECT_TRUE(only_error(errors, "/" + key, "required field \"" + key + "\" is missing"));
    }
}

TEST(ScenarioLoaderErrors, WrongTopLevelTypes) {
    struct Case {
        std::string key;
        json value;
        std::string part;
    };
    const std::vector<Case> cases = {
        {"id", 5, "expected a string, got 5"},
        {"name", json::array(), "expected a string, got an array"},
        {"clauses", "OP5", "expected an array of strings, got \"OP5\""},
        {"requirement", nullptr, "expected a string, got null"},
        {"level", 1, "expected a string, got 1"},
        {"keywords", json::object(), "expected an array of strings, got an object"},
        {"timeout_ms", -1, "expected an integer from 1 to 4294967295, got -1"},
        {"timeout_ms", 0, "expected an integer from 1 to 4294967295, got 0"},
        {"timeout_ms", 1.5, "got 1.5"},
        {"timeout_ms", "100", "got \"100\""},
        {"timeout_ms", 4294967296, "got 4294967296"},
        {"fixture", json::array(), "expected the fixture (a JSON object), got an array"},
        {"sessions", "alice", "expected an array of strings"},
        {"steps", json::object(), "expected an array of steps, got an object"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.key + " = " + c.value.dump());
        const auto errors = errors_with([&](json& doc) { doc[c.key] = c.value; });
        EXPECT_TRUE(only_error(errors, "/" + c.key, c.part));
    }
}

TEST(ScenarioLoaderErrors, TheDocumentMustBeAnObject) {
    EXPECT_TRUE(only_error(errors_of_text("[1, 2]"), "", "one JSON object, got an array"));
}

TEST(ScenarioLoaderErrors, IdMustBeTheAreaFolderAndFileName) {
    const auto doc = template_json().dump();
    const auto wrong_name = parse_scenario(doc, "delivery/one-recipient-old.json");
    ASSERT_TRUE(std::holds_alternative<std::vector<LoadError>>(wrong_name));
    const auto& errors = std::get<std::vector<LoadError>>(wrong_name);
    EXPECT_TRUE(has_error(errors, "/id",
                          "the id must be <area folder>.<file name without .json>, here "
                          "\"delivery.one-recipient-old\", got \"delivery.one-recipient\"",
                          "delivery/one-recipient-old.json"));
    EXPECT_EQ(errors.size(), 1U);
    const auto wrong_folder = parse_scenario(doc, "scenarios/send/one-recipient.json");
    ASSERT_TRUE(std::holds_alternative<std::vector<LoadError>>(wrong_folder));
    EXPECT_EQ(std::get<std::vector<LoadError>>(wrong_folder).front().file,
              "scenarios/send/one-recipient.json");
    EXPECT_TRUE(std::holds_alternative<Scenario>(
        parse_scenario(doc, "some/where/delivery/one-recipient.json")));
}

TEST(ScenarioLoaderErrors, BadIdPattern) {
    for (const std::string id :
         {"delivery", "Delivery.one", "delivery..one", "-a.b", "a.b_c", "a.b.", ""}) {
        SCOPED_TRACE(id);
        const auto errors = errors_with([&](json& doc) { doc["id"] = id; });
        EXPECT_TRUE(only_error(errors, "/id", "expected an id like \"area.name\""));
    }
    json doc = template_json();
    doc["id"] = "a0.b-1.c";
    EXPECT_TRUE(std::holds_alternative<Scenario>(parse_scenario(doc.dump(), "a0/b-1.c.json")));
}

TEST(ScenarioLoaderErrors, BadClauseIdPointsAtTheItem) {
    const auto errors = errors_with([](json& doc) {
        doc["clauses"] = {"PUSH-FORMAT", "op5-lower"};
    });
    EXPECT_TRUE(only_error(errors, "/clauses/1", "expected a clause ID"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["clauses"] = json::array(); }),
                           "/clauses", "expected a non-empty array"));
}

TEST(ScenarioLoaderErrors, ReliesOnHoldsOtherClauses) {
    EXPECT_TRUE(only_error(errors_with([](json& doc) {
                               doc["relies_on"] = {"ORG-REPLY", "x"};
                           }),
                           "/relies_on/1", "expected a clause ID"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) {
                               doc["relies_on"] = {"ORG-REPLY", doc["clauses"][0]};
                           }),
                           "/relies_on/1", "is in \"clauses\""));
    EXPECT_TRUE(only_error(errors_with([](json& doc) {
                               doc["relies_on"] = {"ORG-REPLY", "ORG-REPLY"};
                           }),
                           "/relies_on/1", "listed twice"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["relies_on"] = "ORG-REPLY"; }),
                           "/relies_on", "expected an array of strings"));
    EXPECT_TRUE(errors_with([](json& doc) { doc["relies_on"] = json::array(); }).empty());
}

TEST(ScenarioLoaderErrors, NameIsOneNonEmptyLine) {
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["name"] = "two\nlines"; }), "/name",
                           "a name is one line"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["name"] = ""; }), "/name",
                           "expected a non-empty string"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["requirement"] = ""; }), "/requirement",
                           "expected a non-empty string"));
}

TEST(ScenarioLoaderErrors, BadLevel) {
    const auto errors = errors_with([](json& doc) { doc["level"] = "may"; });
    EXPECT_TRUE(
        only_error(errors, "/level", "expected a level: must, should or interop, got \"may\""));
}

TEST(ScenarioLoaderErrors, KeywordsAreRequiredAndNonEmpty) {
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["keywords"] = json::array(); }),
                           "/keywords", "expected a non-empty array"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) {
                               doc["keywords"] = {"push", ""};
                           }),
                           "/keywords/1", "expected a non-empty string"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) {
                               doc["keywords"] = {"push", 3};
                           }),
                           "/keywords/1", "expected a string, got 3"));
}

TEST(ScenarioLoaderErrors, UnknownTopLevelKeyListsTheAllowedOnes) {
    const auto errors = errors_with([](json& doc) { doc["stesp"] = json::array(); });
    ASSERT_TRUE(only_error(errors, "/stesp", "unknown key \"stesp\" in a scenario"));
    EXPECT_NE(errors[0].message.find(
                  "allowed: $schema, id, name, clauses, relies_on, requirement, level, "
                  "subject, keywords, timeout_ms, fixture, sessions, steps"),
              std::string::npos)
        << errors[0].message;
}

TEST(ScenarioLoaderErrors, SchemaKeyIsAllowedButMustBeAString) {
    EXPECT_TRUE(errors_with([](json& doc) { doc["$schema"] = "../schema.json"; }).empty());
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["$schema"] = 1; }), "/$schema",
                           "expected a string"));
}

// ---- sessions ----

TEST(ScenarioLoaderErrors, SessionDeclarations) {
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["sessions"] = json::array(); }),
                           "/sessions", "expected a non-empty array"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) {
                               doc["sessions"] = {"alice", "Bob"};
                           }),
                           "/sessions/1", "expected a session name"));
    // With invalid declarations the steps are not checked against them (no cascade).
    EXPECT_TRUE(only_error(errors_with([](json& doc) {
                               doc["sessions"] = {"alice", "alice"};
                           }),
                           "/sessions/1", "session \"alice\" is declared twice"));
}

TEST(ScenarioLoaderErrors, UndeclaredSession) {
    const auto errors = errors_with([](json& doc) { doc["steps"][2]["session"] = "carol"; });
    EXPECT_TRUE(only_error(errors, "/steps/2/session",
                           "session \"carol\" is not declared in \"sessions\" (alice, bob)"));
}

TEST(ScenarioLoaderErrors, MissingSessionWithTwoDeclared) {
    const auto errors = errors_with([](json& doc) { doc["steps"][1].erase("session"); });
    EXPECT_TRUE(only_error(errors, "/steps/1/session",
                           "may be omitted only when exactly one session is declared"));
}

TEST(ScenarioLoaderErrors, SessionIsForbiddenOnMailboxAndSleep) {
    EXPECT_TRUE(
        only_error(step_errors({{"session", "s"}, {"mailbox", {{"user", "alice"}, {"count", 0}}}}),
                   "/steps/0/session", "a mailbox step has no session"));
    EXPECT_TRUE(only_error(step_errors({{"session", "s"}, {"sleep", {{"ms", 1}}}}),
                           "/steps/0/session", "a sleep step has no session"));
}

// ---- steps ----

TEST(ScenarioLoaderErrors, EmptyStepsAndNonObjectStep) {
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["steps"] = json::array(); }), "/steps",
                           "expected a non-empty array"));
    EXPECT_TRUE(only_error(errors_with([](json& doc) { doc["steps"][0] = "login"; }), "/steps/0",
                           "expected a step (a JSON object), got \"login\""));
}

TEST(ScenarioLoaderErrors, UnknownStepKey) {
    const auto errors = errors_with([](json& doc) { doc["steps"][0]["sesion"] = "alice"; });
    ASSERT_TRUE(only_error(errors, "/steps/0/sesion", "unknown key \"sesion\" in a step"));
    EXPECT_NE(errors[0].message.find("allowed: session, note, login, start"), std::string::npos);
}

TEST(ScenarioLoaderErrors, TwoActionKeysInOneStep) {
    const auto errors = errors_with([](json& doc) { doc["steps"][4]["close"] = json::object(); });
    EXPECT_TRUE(only_error(errors, "/steps/4", "exactly one action key"));
    EXPECT_TRUE(has_error(errors, "/steps/4", "got exit, close"));
}

TEST(ScenarioLoaderErrors, ZeroActionKeys) {
    const auto errors = errors_with([](json& doc) { doc["steps"][4] = {{"session", "bob"}}; });
    EXPECT_TRUE(only_error(errors, "/steps/4", "exactly one action key"));
    EXPECT_TRUE(has_error(errors, "/steps/4", "got none"));
}

TEST(ScenarioLoaderErrors, UnknownKeyInsideAnAction) {
    const auto errors = step_errors({{"login", {{"usr", "alice"}, {"user", "alice"}}}});
    ASSERT_TRUE(only_error(errors, "/steps/0/login/usr", "unknown key \"usr\" in a login action"));
    EXPECT_NE(errors[0].message.find(
                  "allowed: user, org_unit, flags, timestamp, interval_ms, interval_ns"),
              std::string::npos);
    EXPECT_TRUE(only_error(step_errors({{"close", {{"now", true}}}}), "/steps/0/close/now",
                           "allowed: none"));
}

TEST(ScenarioLoaderErrors, MissingRequiredActionFields) {
    struct Case {
        json step;
        std::string pointer;
    };
    const std::vector<Case> cases = {
        {{{"login", json::object()}}, "/steps/0/login/user"},
        {{{"tf", json::object()}}, "/steps/0/tf/command"},
        {{{"org_unit", json::object()}}, "/steps/0/org_unit/path"},
        {{{"user", json::object()}}, "/steps/0/user/name"},
        {{{"expect_nothing", json::object()}}, "/steps/0/expect_nothing/ms"},
        {{{"mailbox", {{"count", 1}}}}, "/steps/0/mailbox/user"},
        {{{"send_chunks", json::object()}}, "/steps/0/send_chunks/chunks"},
        {{{"sleep", json::object()}}, "/steps/0/sleep/ms"},
        {{{"send", {{"text", "x"}}}}, "/steps/0/send/to"},
        {{{"send_raw", {{"frame", json::object()}}}}, "/steps/0/send_raw/frame/opcode"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.step.dump());
        EXPECT_TRUE(only_error(step_errors(c.step), c.pointer, "is missing"));
    }
}

TEST(ScenarioLoaderErrors, WrongActionTypes) {
    struct Case {
        json step;
        std::string pointer;
        std::string part;
    };
    const std::vector<Case> cases = {
        {{{"login", "alice"}}, "/steps/0/login", "expected a login action (a JSON object)"},
        {{{"login", {{"user", 1}}}}, "/steps/0/login/user", "expected a string, got 1"},
        {{{"login", {{"user", "a"}, {"timestamp", -5}}}},
         "/steps/0/login/timestamp",
         "expected an integer from 0 to 18446744073709551615, got -5"},
        {{{"setup", {{"timestamp", 1.0}}}}, "/steps/0/setup/timestamp", "got 1.0"},
        {{{"exit", {{"allow_pushes", "yes"}}}},
         "/steps/0/exit/allow_pushes",
         "expected true or false, got \"yes\""},
        {{{"expect", {{"sz", 2147483648}}}},
         "/steps/0/expect/sz",
         "expected an integer from -2147483648 to 2147483647, got 2147483648"},
        {{{"expect", {{"sz", -2147483649}}}}, "/steps/0/expect/sz", "got -2147483649"},
        {{{"expect_nothing", {{"ms", 4294967296}}}},
         "/steps/0/expect_nothing/ms",
         "expected an integer from 0 to 4294967295"},
        {{{"user", {{"name", "x"}, {"expect_status", 1}}}},
         "/steps/0/user/expect_status",
         "expected a status, 0 (success) or -1 (failure), got 1"},
        {{{"mailbox", {{"user", "a"}, {"count", -1}}}}, "/steps/0/mailbox/count", "got -1"},
        {{{"any_of", {{"expect", {{"opcode", 5}}}}}},
         "/steps/0/any_of",
         "expected an array of alternatives"},
        {{{"send", {{"to", "bob"}, {"text", "x"}}}},
         "/steps/0/send/to",
         "expected an array of strings, got \"bob\""},
        {{{"interval", {{"ms", 18446744073710}}}},
         "/steps/0/interval/ms",
         "from 0 to 18446744073709"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.step.dump());
        EXPECT_TRUE(only_error(step_errors(c.step), c.pointer, c.part));
    }
}

TEST(ScenarioLoaderErrors, OpcodeMustBeANumberOrAName) {
    for (const json& bad : {json("x"), json(256), json(-1), json(true), json("MESSAGE")}) {
        SCOPED_TRACE(bad.dump());
        const auto errors = step_errors({{"expect", {{"opcode", bad}}}});
        EXPECT_TRUE(only_error(errors, "/steps/0/expect/opcode",
                               "expected an opcode number 0-255 or a name (exit, org_unit, user, "
                               "setup, message, interval), got " +
                                   bad.dump()));
    }
    // The exact message of the brief's example, through format().
    const auto errors = step_errors({{"expect", {{"opcode", "x"}}}});
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(format(errors[0]), "delivery/one-recipient.json: /steps/0/expect/opcode: expected an "
                                 "opcode number 0-255 or a name (exit, "
                                 "org_unit, user, setup, message, interval), got \"x\"");
}

TEST(ScenarioLoaderErrors, FrameWithBadOpcode) {
    const auto errors = step_errors({{"send_raw", {{"frame", {{"opcode", "bogus"}}}}}});
    EXPECT_TRUE(only_error(errors, "/steps/0/send_raw/frame/opcode", "got \"bogus\""));
    EXPECT_TRUE(only_error(step_errors({{"send_raw", {{"frame", {{"opcode", 5}, {"sz", "big"}}}}}}),
                           "/steps/0/send_raw/frame/sz", "expected an integer from -2147483648"));
    EXPECT_TRUE(only_error(
        step_errors(
            {{"send_raw", {{"frame", {{"opcode", 5}, {"payload", "a"}, {"payload_hex", "61"}}}}}}),
        "/steps/0/send_raw/frame",
        "give exactly one of payload, payload_hex, not payload, payload_hex"));
    EXPECT_TRUE(only_error(step_errors({{"send_raw", {{"frame", {{"opcode", 5}, {"ps", "a"}}}}}}),
                           "/steps/0/send_raw/frame/ps", "unknown key \"ps\" in a frame"));
}

TEST(ScenarioLoaderErrors, BadHex) {
    const auto odd = step_errors({{"send_raw", {{"hex", "05 00 0"}}}});
    EXPECT_TRUE(only_error(odd, "/steps/0/send_raw/hex", "odd number of hex digits (5)"));
    const auto letter = step_errors({{"send_raw", {{"hex", "05 0g"}}}});
    EXPECT_TRUE(only_error(letter, "/steps/0/send_raw/hex",
                           "bad hex at character 5: 'g' is not a hex digit"));
    EXPECT_TRUE(only_error(step_errors({{"expect", {{"payload_hex", "zz"}}}}),
                           "/steps/0/expect/payload_hex", "'z' is not a hex digit"));
    EXPECT_TRUE(only_error(step_errors({{"send", {{"to", {"b"}}, {"text_hex", "abc"}}}}),
                           "/steps/0/send/text_hex", "odd number of hex digits"));
    EXPECT_TRUE(only_error(
        step_errors({{"send_raw", {{"frame", {{"opcode", 5}, {"payload_hex", "0x05"}}}}}}),
        "/steps/0/send_raw/frame/payload_hex", "'x' is not a hex digit"));
}

TEST(ScenarioLoaderErrors, ByteSourceNeedsExactlyOneForm) {
    const auto both = step_errors({{"send_raw", {{"hex", "00"}, {"text", "a"}}}});
    EXPECT_TRUE(only_error(both, "/steps/0/send_raw",
                           "give exactly one of text, hex, frame, fill, not text, hex"));
    EXPECT_TRUE(only_error(step_errors({{"send_raw", json::object()}}), "/steps/0/send_raw",
                           "give exactly one of text, hex, frame, fill; none is present"));
    EXPECT_TRUE(only_error(step_errors({{"send_raw", {{"bytes", "00"}, {"hex", "00"}}}}),
                           "/steps/0/send_raw/bytes",
                           "unknown key \"bytes\" in a byte source; allowed: text, hex, frame"));
    EXPECT_TRUE(only_error(step_errors({{"send_raw", "00"}}), "/steps/0/send_raw",
                           "expected a byte source"));
}

TEST(ScenarioLoaderErrors, BadRegexIsALoadError) {
    EXPECT_TRUE(only_error(step_errors({{"expect", {{"payload_regex", "(unclosed"}}}}),
                           "/steps/0/expect/payload_regex", "bad regex (Perl syntax)"));
    EXPECT_TRUE(only_error(step_errors({{"expect", {{"text_regex", "a{2,1}"}}}}),
                           "/steps/0/expect/text_regex", "bad regex"));
    EXPECT_TRUE(only_error(step_errors({{"mailbox", {{"user", "a"}, {"content_regex", "[z-a]"}}}}),
                           "/steps/0/mailbox/content_regex", "bad regex"));
    EXPECT_TRUE(only_error(step_errors({{"mailbox", {{"user", "a"}, {"no_content_regex", "*"}}}}),
                           "/steps/0/mailbox/no_content_regex", "bad regex"));
    // Perl syntax: lookahead and named groups are fine.
    EXPECT_TRUE(step_errors({{"expect", {{"payload_regex", "(?=a)(?<x>a+)\\d*$"}}}}).empty());
}

TEST(ScenarioLoaderErrors, FlagNames) {
    EXPECT_TRUE(only_error(step_errors({{"setup", {{"flags", {"unique_user", "autodelete"}}}}}),
                           "/steps/0/setup/flags/1",
                           "expected a flag name (unique_user, auto_delete), got \"autodelete\""));
    EXPECT_TRUE(only_error(step_errors({{"login", {{"user", "a"}, {"flags", -1}}}}),
                           "/steps/0/login/flags", "a number 0-2147483647 or an array of names"));
    EXPECT_TRUE(only_error(step_errors({{"setup", {{"flags", 2147483648}}}}),
                           "/steps/0/setup/flags", "got 2147483648"));
    const auto s = load_ok(with_steps(json::array({{{"setup", {{"flags", 2147483647}}}}})));
    EXPECT_EQ(s.steps[0].as<SetupStep>()->flags, 2147483647);
}

TEST(ScenarioLoaderErrors, IntervalTakesExactlyOneOfMsAndNs) {
    EXPECT_TRUE(only_error(step_errors({{"interval", {{"ms", 1}, {"ns", 1000000}}}}),
                           "/steps/0/interval", "give exactly one of ms, ns, not ms, ns"));
    EXPECT_TRUE(only_error(step_errors({{"interval", json::object()}}), "/steps/0/interval",
                           "give exactly one of ms, ns; none is present"));
    EXPECT_TRUE(only_error(
        step_errors({{"login", {{"user", "a"}, {"interval_ms", 1}, {"interval_ns", 1}}}}),
        "/steps/0/login", "give exactly one of interval_ms, interval_ns"));
}

TEST(ScenarioLoaderErrors, AnyOfAlternatives) {
    const json expect = {{"expect", {{"opcode", 5}}}};
    EXPECT_TRUE(only_error(step_errors({{"any_of", {expect}}}), "/steps/0/any_of",
                           "any_of needs at least 2 alternatives, got 1"));
    const json send = {{"send", {{"to", {"b"}}, {"text", "x"}}}};
    const auto non_expect = step_errors({{"any_of", {expect, send}}});
    EXPECT_TRUE(has_error(non_expect, "/steps/0/any_of/1/send",
                          "unknown key \"send\" in an any_of alternative; allowed: expect, "
                          "expect_close"));
    EXPECT_TRUE(has_error(non_expect, "/steps/0/any_of/1",
                          "give exactly one of expect, "
                          "expect_close; none is present"));
    EXPECT_TRUE(only_error(
        step_errors({{"any_of",
                      {expect, {{"expect", {{"opcode", 0}}}, {"expect_close", json::object()}}}}}),
        "/steps/0/any_of/1", "give exactly one of expect, expect_close, not"));
    // Errors inside an alternative point into it.
    EXPECT_TRUE(
        only_error(step_errors({{"any_of", {expect, {{"expect_close", {{"within_ms", "1s"}}}}}}}),
                   "/steps/0/any_of/1/expect_close/within_ms", "got \"1s\""));
    EXPECT_TRUE(only_error(step_errors({{"any_of", {expect, {{"expect", json::object()}}}}}),
                           "/steps/0/any_of/1/expect", "at least one matcher"));
}

TEST(ScenarioLoaderErrors, ExpectNeedsAMatcherAndOneFormPerField) {
    EXPECT_TRUE(only_error(step_errors({{"expect", {{"within_ms", 100}}}}), "/steps/0/expect",
                           "an expect needs at least one matcher"));
    EXPECT_TRUE(only_error(step_errors({{"expect", {{"payload", "a"}, {"payload_hex", "61"}}}}),
                           "/steps/0/expect", "give exactly one of payload, payload_hex"));
    EXPECT_TRUE(only_error(step_errors({{"expect", {{"text", "a"}, {"text_hex", "61"}}}}),
                           "/steps/0/expect", "give exactly one of text, text_hex"));
    EXPECT_TRUE(only_error(step_errors({{"expect", {{"opcode", 5}, {"regex", "a"}}}}),
                           "/steps/0/expect/regex", "unknown key \"regex\" in an expect action"));
}

TEST(ScenarioLoaderErrors, SendForms) {
    EXPECT_TRUE(
        only_error(step_errors({{"send", {{"to", {"b"}}, {"text", "x"}, {"payload", "y"}}}}),
                   "/steps/0/send", "a send is either"));
    EXPECT_TRUE(only_error(step_errors({{"send", {{"to", {"b"}}}}}), "/steps/0/send",
                           "give exactly one of text, text_hex; none is present"));
    EXPECT_TRUE(only_error(step_errors({{"send", {{"payload", "a"}, {"payload_hex", "61"}}}}),
                           "/steps/0/send", "give exactly one of payload, payload_hex"));
    // An empty recipient list and an empty text are legitimate ("silently discarded").
    EXPECT_TRUE(step_errors({{"send", {{"to", json::array()}, {"text", ""}}}}).empty());
}

TEST(ScenarioLoaderErrors, MailboxNeedsACheck) {
    EXPECT_TRUE(only_error(step_errors({{"mailbox", {{"user", "a"}}}}), "/steps/0/mailbox",
                           "a mailbox step needs at least one check"));
}

TEST(ScenarioLoaderErrors, SendChunksNeedsTwoChunks) {
    EXPECT_TRUE(only_error(step_errors({{"send_chunks", {{"chunks", {{{"hex", "00"}}}}}}}),
                           "/steps/0/send_chunks/chunks",
                           "send_chunks needs at least 2 chunks, got 1"));
    EXPECT_TRUE(
        only_error(step_errors({{"send_chunks", {{"chunks", {{{"hex", "00"}}, {{"hex", "0"}}}}}}}),
                   "/steps/0/send_chunks/chunks/1/hex", "odd number of hex digits"));
}

// ---- ${name} references ----

TEST(ScenarioLoaderErrors, ReferencesMustBeDefinedByEarlierSteps) {
    // The template's push captures ts; a later step may use it, an earlier one may not.
    EXPECT_TRUE(errors_with([](json& doc) {
                    doc["steps"][4] = {{"session", "bob"},
                                       {"expect", {{"text_regex", "${ts}:$$ and ${org}$"}}}};
                }).empty());
    const auto early = errors_with([](json& doc) { doc["steps"][2]["send"]["text"] = "${ts}"; });
    EXPECT_TRUE(only_error(early, "/steps/2/send/text",
                           "\"${ts}\" is not defined here: use ${org}, a capture named by an "
                           "earlier step's regex or a repeat's counter (defined here: org)"));
    // Not even from the same step.
    EXPECT_TRUE(
        only_error(step_errors({{"expect", {{"payload_regex", "(?<a>x)"}, {"from", "${a}"}}}}),
                   "/steps/0/expect/from", "\"${a}\" is not defined here"));
    EXPECT_TRUE(only_error(step_errors({{"tf", {{"command", "CD ${org"}}}}), "/steps/0/tf/command",
                           "unterminated \"${\" at character 4"));
    EXPECT_TRUE(only_error(step_errors({{"login", {{"user", "${1x}"}}}}), "/steps/0/login/user",
                           "bad reference \"${1x}\""));
    EXPECT_TRUE(only_error(step_errors({{"send", {{"to", {"${who}"}}, {"text", "x"}}}}),
                           "/steps/0/send/to/0", "\"${who}\" is not defined here"));
    // Hex and frame bytes are literal: a '$' there is a byte, never a reference.
    EXPECT_TRUE(
        step_errors({{"send_raw", {{"frame", {{"opcode", 5}, {"payload", "${x}"}}}}}}).empty());
}

TEST(ScenarioLoaderErrors, CapturesOfMailboxAndAnyOfAreVisibleLater) {
    const auto s = load_ok(with_steps(json::parse(R"json([
        {"any_of": [{"expect": {"payload_regex": "(?<first>.*)"
}
}, {"expect_close": {}}]
},
        {"mailbox": {"user": "a", "content_regex": "(?'second'.*)"}},
        {"send": {"to": ["${first}"], "text": "${second}"}}
    ])json")));
    EXPECT_EQ(s.steps.size(), 3U);
}

// ---- fixture ----

TEST(ScenarioLoaderErrors, FixtureConsistency) {
    const auto blacklist = errors_with([](json& doc) {
        doc["fixture"]["blacklist"] = {{"carol", {"alice"}}};
    });
    EXPECT_TRUE(only_error(blacklist, "/fixture/blacklist/carol",
                           "user \"carol\" is not in the fixture's users (alice, bob)"));
    const auto message = errors_with([](json& doc) {
        doc["fixture"]["messages"] = {{{"to", "dave"}, {"from", "alice"}, {"text", "hi"}}};
    });
    EXPECT_TRUE(only_error(message, "/fixture/messages/0/to", "user \"dave\" is not in"));
    const auto no_users = errors_with([](json& doc) {
        doc["fixture"] = {{"blacklist", {{"bob", {"alice"}}}}};
    });
    EXPECT_TRUE(only_error(no_users, "/fixture/blacklist/bob", "(none)"));
}

TEST(ScenarioLoaderErrors, FixtureFields) {
    struct Case {
        json fixture;
        std::string pointer;
        std::string part;
    };
    const std::vector<Case> cases = {
        {{{"user", {"alice"}}}, "/fixture/user", "unknown key \"user\" in the fixture"},
        {{{"users", {"alice", "alice"}}}, "/fixture/users/1", "user \"alice\" is listed twice"},
        {{{"users", {"a//b"}}}, "/fixture/users/0", "a folder name or a nested path"},
        {{{"users", {"a/../b"}}}, "/fixture/users/0", "no empty part, \".\" or \"..\""},
        {{{"users", {"/a"}}}, "/fixture/users/0", "no leading or trailing '/'"},
        {{{"users", {"a/"}}}, "/fixture/users/0", "a folder name or a nested path"},
        {{{"users", "alice"}}, "/fixture/users", "expected an array of user names"},
        {{{"users", {"a"}}, {"blacklist", {{"a", "b"}}}},
         "/fixture/blacklist/a",
         "expected an array of strings"},
        {{{"users", {"a"}}, {"messages", {{{"to", "a"}, {"text", "t"}}}}},
         "/fixture/messages/0/from",
         "required field \"from\" is missing"},
        {{{"users", {"a"}}, {"messages", {{{"to", "a"}, {"from", "b"}, {"text", "t"}, {"ts", 1}}}}},
         "/fixture/messages/0/ts",
         "unknown key \"ts\" in a fixture message"},
        {{{"users", {"a"}},
          {"messages", {{{"to", "a"}, {"from", "b"}, {"text", "t"}, {"timestamp", -1}}}}},
         "/fixture/messages/0/timestamp",
         "got -1"},
        {{{"dirs", {"/abs"}}}, "/fixture/dirs/0", "relative to the org unit"},
        {{{"dirs", {"a/../../b"}}}, "/fixture/dirs/0", "relative to the org unit"},
        {{{"links", {{{"at", "l"}}}}}, "/fixture/links/0/to", "required field \"to\" is missing"},
        {{{"links", {{{"at", "/l"}, {"to", "x"}}}}}, "/fixture/links/0/at", "relative"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.fixture.dump());
        const auto errors = errors_with([&](json& doc) { doc["fixture"] = c.fixture; });
        EXPECT_TRUE(only_error(errors, c.pointer, c.part));
    }
}

// ---- JSON text ----

TEST(ScenarioLoaderErrors, JsonSyntaxErrorWithLineAndColumn) {
    const std::string text = "{\n  \"id\": \"a.b\",\n  \"name\" \"x\"\n}\n";
    const auto errors = errors_of_text(text);
    ASSERT_EQ(errors.size(), 1U) << listing(errors);
    EXPECT_EQ(errors[0].file, "delivery/one-recipient.json");
    EXPECT_EQ(errors[0].pointer, "");
    // The error shows at the string that should have been ':' (line 3, "x" ends at column 12).
    EXPECT_NE(errors[0].message.find("JSON syntax error at line 3, column 12 (byte 29)"),
              std::string::npos)
        << errors[0].message;
    EXPECT_NE(errors[0].message.find("expected ':'"), std::string::npos) << errors[0].message;

    const auto truncated = errors_of_text("{\"id\": ");
    ASSERT_EQ(truncated.size(), 1U);
    EXPECT_NE(truncated[0].message.find("line 1, column 7"), std::string::npos)
        << truncated[0].message;
    EXPECT_EQ(errors_of_text("").size(), 1U);
    EXPECT_NE(errors_of_text("{} x")[0].message.find("JSON syntax error"), std::string::npos);
}

TEST(ScenarioLoaderErrors, HostileJsonIsAnErrorNotACrash) {
    // Deep nesting is refused early, at a depth no scenario needs.
    const std::string deep =
        "{\"id\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_TRUE(only_error(errors_of_text(deep), "", "JSON nested deeper than 64 levels"));
    const std::string nested = "{\"id\": " + std::string(60, '[') + std::string(60, ']') + "}";
    EXPECT_TRUE(has_error(errors_of_text(nested), "/id", "expected a string, got an array"));
    // Invalid UTF-8 inside a string is a syntax error.
    const auto utf8 = errors_of_text("{\"id\": \"\xff\"}");
    ASSERT_EQ(utf8.size(), 1U);
    EXPECT_NE(utf8[0].message.find("JSON syntax error at line 1"), std::string::npos);
    // A long wrong value is shortened in the message, on a character boundary (the cut at
    // 60 bytes would fall inside the 2-byte e-acute).
    const auto long_value =
        errors_with([](json& doc) { doc["timeout_ms"] = std::string(58, 'a') + "\u00e9\u00e9"; });
    ASSERT_EQ(long_value.size(), 1U);
    const std::string tail = "got \"" + std::string(58, 'a') + "...";
    EXPECT_TRUE(long_value[0].message.ends_with(tail)) << long_value[0].message;
}

TEST(ScenarioLoaderErrors, DuplicateKeysAreReported) {
    std::string text = template_json().dump(2);
    text.replace(text.find("\"id\""), 4, "\"name\": \"dup\", \"id\"");
    const auto errors = errors_of_text(text);
    EXPECT_TRUE(only_error(errors, "/name", "key \"name\" appears twice in one object"));
}

TEST(ScenarioLoaderErrors, AllErrorsOfAFileAreReported) {
    const auto errors = errors_with([](json& doc) {
        doc["id"] = "BAD";
        doc["level"] = "may";
        doc["steps"][0]["login"]["flags"] = {"nope"};
        doc["steps"][3]["expect"]["opcode"] = 300;
    });
    EXPECT_EQ(errors.size(), 4U) << listing(errors);
    EXPECT_TRUE(has_error(errors, "/id", "expected an id"));
    EXPECT_TRUE(has_error(errors, "/level", "expected a level"));
    EXPECT_TRUE(has_error(errors, "/steps/0/login/flags/0", "expected a flag name"));
    EXPECT_TRUE(has_error(errors, "/steps/3/expect/opcode", "got 300"));
}

TEST(ScenarioLoaderErrors, ErrorsPerFileAreCapped) {
    json steps = json::array();
    for (int i = 0; i < 30; ++i) {
        steps.push_back({{"sleep", {{"ms", "soon"}}}});
    }
    const auto errors = errors_of(with_steps(steps));
    ASSERT_EQ(errors.size(), max_errors_per_file + 1);
    EXPECT_EQ(errors[max_errors_per_file - 1].pointer, "/steps/19/sleep/ms");
    EXPECT_TRUE(has_error(errors, "", "too many errors; stopped reporting after 20"));
}

TEST(ScenarioLoaderErrors, FormatNamesFilePointerAndMessage) {
    EXPECT_EQ(format({"scenarios/x.json", "/steps/3", "boom"}), "scenarios/x.json: /steps/3: boom");
    EXPECT_EQ(format({"scenarios/x.json", "", "boom"}), "scenarios/x.json: boom");
    // Keys with '/' or '~' are escaped in pointers (RFC 6901).
    const auto errors = errors_with([](json& doc) {
        doc["fixture"]["blacklist"] = {{"a/b~c", {"x"}}};
    });
    EXPECT_TRUE(has_error(errors, "/fixture/blacklist/a~1b~0c", "is not in the fixture's users"));
}

// ---- files and folders ----

TEST(ScenarioLoaderFiles, NonexistentPathIsAnError) {
    const fs::path missing = data_dir / "no-such-folder";
    const auto result = load_scenarios({missing});
    EXPECT_TRUE(result.scenarios.empty());
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].file, missing.generic_string());
    EXPECT_EQ(result.errors[0].pointer, "");
    EXPECT_EQ(result.errors[0].message, "no such file or folder");
}

TEST(ScenarioLoaderFiles, FolderWithOneBadFileOfThreeYieldsTwoScenarios) {
    const auto result = load_scenarios({data_dir / "mixed"});
    ASSERT_EQ(result.scenarios.size(), 2U) << listing(result.errors);
    EXPECT_EQ(result.scenarios[0].id, "mixed.good-a"); // sorted by id
    EXPECT_EQ(result.scenarios[1].id, "mixed.good-c"); // found in a sub-folder
    EXPECT_EQ(result.scenarios[1].file, data_dir / "mixed/nested/mixed/good-c.json");
    // README.txt is not *.json; schema.json is the editors' schema, skipped by name.
    ASSERT_EQ(result.errors.size(), 1U) << listing(result.errors);
    EXPECT_TRUE(has_error(result.errors, "/level", "got \"may\"",
                          (data_dir / "mixed/bad.json").generic_string()));
}

TEST(ScenarioLoaderFiles, FolderWithOneGoodAndOneBadFile) {
    TempDir dir;
    json good = template_json();
    good["id"] = dir.path().filename().string() + ".good"; // <folder>.<stem>
    dir.write("good.json", good.dump());
    dir.write("bad.json", "{\"id\": ");
    const auto result = load_scenarios({dir.path()});
    ASSERT_EQ(result.scenarios.size(), 1U);
    EXPECT_EQ(result.scenarios[0].id, good["id"]);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].file, (dir.path() / "bad.json").generic_string());
    EXPECT_NE(result.errors[0].message.find("JSON syntax error at line 1"), std::string::npos);
}

TEST(ScenarioLoaderFiles, DuplicateIdsAcrossFilesNameBothFiles) {
    const auto result = load_scenarios({data_dir / "dup"});
    ASSERT_EQ(result.scenarios.size(), 1U);
    EXPECT_EQ(result.scenarios[0].file,
              data_dir / "dup/one/dup/same.json"); // the first loaded wins
    ASSERT_EQ(result.errors.size(), 1U);
    const auto& error = result.errors[0];
    EXPECT_EQ(error.file, (data_dir / "dup/two/dup/same.json").generic_string());
    EXPECT_EQ(error.pointer, "/id");
    EXPECT_EQ(error.message, "duplicate id \"dup.same\": also in " +
                                 (data_dir / "dup/one/dup/same.json").generic_string());
}

TEST(ScenarioLoaderFiles, ExplicitFilesAndRepeatedPaths) {
    // A file named directly is read whatever its extension; a file reached twice is read once.
    TempDir dir;
    json doc = template_json();
    doc["id"] = dir.path().filename().string() + ".case";
    dir.write("case.scenario", doc.dump());
    const auto result =
        load_scenarios({dir.path() / "case.scenario", dir.path() / "case.scenario"});
    EXPECT_TRUE(result.errors.empty()) << listing(result.errors);
    EXPECT_EQ(result.scenarios.size(), 1U);
    const auto twice = load_scenarios({data_dir / "mixed", data_dir / "mixed/good-a.json"});
    EXPECT_EQ(twice.scenarios.size(), 2U);
    EXPECT_EQ(twice.errors.size(), 1U) << listing(twice.errors);
}

TEST(ScenarioLoaderFiles, ResultIsDeterministic) {
    const auto first = load_scenarios({data_dir});
    const auto second = load_scenarios({data_dir});
    ASSERT_EQ(first.errors, second.errors);
    ASSERT_EQ(first.scenarios.size(), second.scenarios.size());
    for (std::size_t i = 0; i < first.scenarios.size(); ++i) {
        EXPECT_EQ(first.scenarios[i].id, second.scenarios[i].id);
        EXPECT_EQ(first.scenarios[i].file, second.scenarios[i].file);
    }
    EXPECT_TRUE(std::is_sorted(first.scenarios.begin(), first.scenarios.end(),
                               [](const Scenario& a, const Scenario& b) { return a.id < b.id; }));
}

TEST(ScenarioLoaderFiles, EveryValidTestFileLoads) {
    std::size_t count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(data_dir / "valid")) {
        if (entry.path().extension() != ".json") {
            continue;
        }
        SCOPED_TRACE(entry.path().string());
        ++count;
        const auto result = load_scenarios({entry.path()});
        EXPECT_TRUE(result.errors.empty()) << listing(result.errors);
        EXPECT_EQ(result.scenarios.size(), 1U);
    }
    EXPECT_GE(count, 2U);
}

// The conformance suite in the repository loads without a single error.
TEST(ScenarioLoaderFiles, RepositorySuiteLoads) {
    const auto result = load_scenarios({source_dir / "scenarios"});
    EXPECT_TRUE(result.errors.empty()) << listing(result.errors);
    EXPECT_FALSE(result.scenarios.empty());
}

// ---- the JSON Schema for editors ----

// The action keys the schema's step oneOf names, in order.
std::vector<std::string> schema_action_keys(const json& schema) {
    std::vector<std::string> keys;
    for (const auto& alternative : schema.at("$defs").at("step").at("oneOf")) {
        const auto& required = alternative.at("required");
        EXPECT_EQ(required.size(), 1U) << alternative.dump();
        keys.push_back(required.at(0).get<std::string>());
        // Each alternative closes its keys, so a second action key matches none.
        EXPECT_EQ(alternative.at("additionalProperties"), false) << alternative.dump();
        const auto& properties = alternative.at("properties");
        EXPECT_TRUE(properties.contains(keys.back()));
        const auto* kind = find_step_kind(keys.back());
        const bool connectionless = kind != nullptr && !kind->uses_session;
        EXPECT_EQ(properties.contains("session"), !connectionless) << keys.back();
    }
    return keys;
}

TEST(ScenarioSchema, IsValidJsonAndNamesEveryActionKey) {
    const auto text = read_file(source_dir / "scenarios/schema.json");
    ASSERT_TRUE(json::accept(text));
    const json schema = json::parse(text);
    EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
    EXPECT_EQ(schema.at("additionalProperties"), false);

    const auto keys = schema_action_keys(schema);
    const auto loader_keys = step_action_keys();
    EXPECT_EQ(keys, std::vector<std::string>(loader_keys.begin(), loader_keys.end()));

    // The top level requires what the loader requires.
    std::set<std::string> required;
    for (const auto& key : schema.at("required")) {
        required.insert(key.get<std::string>());
    }
    EXPECT_EQ(required, (std::set<std::string>{"id", "name", "clauses", "requirement", "level",
                                               "keywords", "sessions", "steps"}));
}

TEST(ScenarioSchema, PatternsMatchTheLoader) {
    const json schema = json::parse(read_file(source_dir / "scenarios/schema.json"));
    const auto& properties = schema.at("properties");
    EXPECT_EQ(properties.at("id").at("pattern"), "^[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$");
    EXPECT_EQ(properties.at("clauses").at("items").at("pattern"), "^[A-Z0-9][A-Z0-9-]*$");
    EXPECT_EQ(properties.at("sessions").at("items").at("$ref"), "#/$defs/session");
    EXPECT_EQ(schema.at("$defs").at("session").at("pattern"), "^[a-z][a-z0-9_-]*$");
}

// ---- scenarios/FORMAT.md ----

TEST(ScenarioFormatDoc, TemplateInTheDocIsTheTemplateFile) {
    const auto doc = read_file(source_dir / "scenarios/FORMAT.md");
    const auto start = doc.find("```json\n");
    ASSERT_NE(start, std::string::npos);
    const auto body = start + 8;
    const auto end = doc.find("```", body);
    ASSERT_NE(end, std::string::npos);
    const auto example = doc.substr(body, end - body);
    ASSERT_TRUE(json::accept(example)) << example;
    EXPECT_EQ(json::parse(example), template_json());
}

// ---- helpers ----

TEST(CaptureNames, NamedGroupsInOrder) {
    EXPECT_EQ(capture_names("(?<ts>[0-9]+):(?<user>[^:]+):(?'msg'.*)(?P<tail>x)"),
              (std::vector<std::string>{"ts", "user", "msg", "tail"}));
    // Lookbehinds, escapes, classes and \Q..\E quotes hold no group names.
    EXPECT_TRUE(capture_names("(?<=a)(?<!b)\\(?<no>x\\)[(?<no2>)]\\Q(?<no3>)\\E(x)").empty());
    EXPECT_EQ(capture_names("[]](?<a>.)[^]](?<b>.)[[:alpha:]](?<c>.)"),
              (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ScenarioLevel, NamesRoundTrip) {
    for (const Level level : {Level::must, Level::should, Level::interop}) {
        EXPECT_EQ(parse_level(to_string(level)), level);
    }
    EXPECT_EQ(to_string(Level::interop), "interop");
    EXPECT_FALSE(parse_level("MUST").has_value());
    EXPECT_FALSE(parse_level("").has_value());
}

TEST(BytesSpec, HexDecodingAndEncoding) {
    EXPECT_EQ(std::get<std::string>(decode_hex("05 00\n0A ff\t7f")),
              std::string("\x05\x00\x0a\xff\x7f", 5));
    EXPECT_EQ(std::get<std::string>(decode_hex("")), "");
    const auto odd = std::get<HexError>(decode_hex("abc"));
    EXPECT_EQ(odd.reason, "odd number of hex digits (3); a byte is two digits");
    const auto bad = std::get<HexError>(decode_hex("00 \x01"));
    EXPECT_EQ(bad.position, 3U);
    EXPECT_EQ(bad.reason, "byte 0x01 is not a hex digit");
    EXPECT_EQ(encode_hex(std::string("\x05\x00\xff", 3)), "05 00 ff");
}

} // namespace
} // namespace xsime::harness
