// The driver step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/driver_step.hpp"

#include "harness/bytes_spec.hpp"
#include "harness/driver_link.hpp"
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <span>
#include <string_view>

namespace xsime::harness {

namespace {

constexpr std::array<std::string_view, 1> no_fields = {"cmd"};
constexpr std::array<std::string_view, 4> setup_fields = {"cmd", "unique", "auto_delete",
                                                          "timestamp"};
constexpr std::array<std::string_view, 2> path_fields = {"cmd", "path"};
constexpr std::array<std::string_view, 2> name_fields = {"cmd", "name"};
constexpr std::array<std::string_view, 4> send_fields = {"cmd", "to", "text", "text_hex"};
constexpr std::array<std::string_view, 2> interval_fields = {"cmd", "ns"};

// Each command and the fields a scenario may give it (connect's are the harness's to fill).
const std::map<std::string, Keys, std::less<>>& command_fields() {
    static const std::map<std::string, Keys, std::less<>> fields = {
        {"connect", no_fields},        {"start", no_fields},  {"setup", setup_fields},
        {"org_unit", path_fields},     {"user", name_fields}, {"send", send_fields},
        {"interval", interval_fields}, {"exit", no_fields},   {"disconnect", no_fields}};
    return fields;
}

bool read_fields(DriverStep& step, FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (step.cmd == "setup") {
        ok &= r.get(value, "unique", pointer, false, &FieldReader::boolean, step.unique);
        ok &= r.get(value, "auto_delete", pointer, false, &FieldReader::boolean, step.auto_delete);
        ok &=
            r.get(value, "timestamp", pointer, false, &FieldReader::u64_or_reference, step.number);
    } else if (step.cmd == "interval") {
        ok &= r.get(value, "ns", pointer, true, &FieldReader::u64_or_reference, step.number);
    } else if (step.cmd == "org_unit" || step.cmd == "user") {
        const char* key = step.cmd == "user" ? "name" : "path";
        ok &= r.get(value, key, pointer, true, &FieldReader::expandable, step.path);
    } else if (step.cmd == "send") {
        ok &= r.field(value, "to", pointer, true, [&](const Json& v, const std::string& p) {
            return r.items(v, p, "an array of recipients", &FieldReader::expandable, step.to);
        });
        ok &= r.text_or_hex(value, pointer, "text", "text_hex", true, step.message);
    }
    return ok;
}

} // namespace

const std::vector<std::string>& driver_commands() {
    static const std::vector<std::string> names = {
        "connect", "start", "setup", "org_unit", "user", "send", "interval", "exit", "disconnect"};
    return names;
}

bool DriverStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    if (!r.is_object(value, pointer, "a driver command")) {
        return false;
    }
    if (!r.get(value, "cmd", pointer, true, &FieldReader::string, cmd)) {
        return false;
    }
    const auto found = command_fields().find(cmd);
    if (found == command_fields().end()) {
        r.error(pointer + "/cmd",
                "expected a driver command (" + join(driver_commands()) + "), got " + quote(cmd));
        return false;
    }
    const bool known = r.known_keys(value, pointer, found->second, "a " + cmd + " command");
    return read_fields(*this, r, value, pointer) && known;
}

StepResult DriverStep::run(StepContext& context) const {
    auto* driver = context.driver();
    if (driver == nullptr) {
        return harness_error("a driver step ran without a client under test");
    }
    auto x = context.expander();
    Json command = {{"cmd", cmd}};
    if (cmd == "setup") {
        command["unique"] = unique;
        command["auto_delete"] = auto_delete;
        command["timestamp"] = x.number(number, "timestamp");
    } else if (cmd == "interval") {
        command["ns"] = x.number(number, "ns");
    } else if (cmd == "org_unit" || cmd == "user") {
        command[cmd == "user" ? "name" : "path"] = x(path, cmd == "user" ? "name" : "path");
    } else if (cmd == "send") {
        Json recipients = Json::array();
        for (std::size_t i = 0; i < to.size(); ++i) {
            recipients.push_back(x(to[i], "to/" + std::to_string(i)));
        }
        command["to"] = std::move(recipients);
        const auto bytes = x.bytes(*message, "text");
        if (message->literal) {
            auto hex = encode_hex(bytes.value);
            std::erase(hex, ' ');
            command["text_hex"] = hex;
        } else {
            command["text"] = bytes.value;
        }
    }
    if (x.error()) {
        return x.error();
    }
    return driver->send(std::move(command));
}

namespace {

// scenarios/schema.json's $defs/action_driver (tools/step_docs copies it there).
constexpr std::string_view driver_schema = R"json({
  "type": "object",
  "required": [
    "cmd"
  ],
  "properties": {
    "cmd": {
      "enum": [
        "connect",
        "start",
        "setup",
        "org_unit",
        "user",
        "send",
        "interval",
        "exit",
        "disconnect"
      ]
    },
    "unique": {
      "type": "boolean"
    },
    "auto_delete": {
      "type": "boolean"
    },
    "timestamp": {
      "$ref": "#/$defs/u64_or_reference"
    },
    "ns": {
      "$ref": "#/$defs/u64_or_reference"
    },
    "path": {
      "$ref": "#/$defs/expandable"
    },
    "name": {
      "$ref": "#/$defs/expandable"
    },
    "to": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/expandable"
      }
    },
    "text": {
      "$ref": "#/$defs/text_or_fill"
    },
    "text_hex": {
      "$ref": "#/$defs/hex_or_fill"
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view driver_doc = R"md(### driver

*Client scenarios.* Tells the client under test, through its driver, what the application
does next: one command of the client driver protocol (docs/client-driver.md). The harness
numbers it and, for `connect`, adds its own host, port, transport and TF settings. It does
not wait: the outcome is an event (`expect_event`).

| `cmd` | fields |
|---|---|
| `connect`, `start`, `exit`, `disconnect` | none |
| `setup` | `unique`, `auto_delete` (booleans, default false), `timestamp` (default 0; a number or `${}`) |
| `org_unit` | `path` |
| `user` | `name` |
| `send` | `to` (array of users), `text` or `text_hex` |
| `interval` | `ns` (a number or `${}`) |

```json
{"driver": {"cmd": "send", "to": ["alice", "bob"], "text": "héllo"}}
```
)md";

} // namespace

const StepKind& driver_kind() {
    static const StepKind kind{
        .key = "driver",
        .uses_session = false,
        .subject = StepKind::For::client,
        .read = read_action<DriverStep>,
        .read_block = {},
        .schema = driver_schema,
        .doc = driver_doc,
    };
    return kind;
}

} // namespace xsime::harness
