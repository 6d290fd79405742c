// The repeat step: a block of steps N times, with its counter ${i} inside; written out at load
// time.
#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"

#include <array>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 3> keys = {"count", "var", "steps"};
// A repeat writes its steps out at load time: the bound keeps a typo from making millions.
constexpr std::uint64_t max_count = 1000;

bool read_repeat(FieldReader& r, const StepListReader& list, const Json& value,
                 const std::string& pointer, std::vector<Step>& out) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a repeat action", keys, ok)) {
        return false;
    }
    std::uint64_t count = 0;
    std::string var = "i";
    const bool count_ok = r.get(value, "count", pointer, true, &FieldReader::unsigned_integer,
                                count, std::uint64_t{1}, max_count);
    bool var_ok = r.get(value, "var", pointer, false, &FieldReader::non_empty, var);
    std::string why;
    const auto ref = parse_reference(var, why);
    if (var_ok && value.contains("var") && (!ref || ref->numeric())) {
        r.error(child(pointer, "var"), "expected a counter name (letters, digits and '_', not "
                                       "starting with a digit), got " +
                                           quote(var));
        var_ok = false;
    } else if (var_ok && r.is_defined(var)) {
        r.error(child(pointer, "var"), "the counter ${" + var +
                                           "} is already defined here (an enclosing repeat or a "
                                           "capture): name this repeat's counter with \"var\"");
        var_ok = false;
    }
    if (!value.contains("steps")) {
        r.error(child(pointer, "steps"), "required field \"steps\" is missing");
        return false;
    }
    const Json& steps = value.at("steps");
    if (!steps.is_array() || steps.empty()) {
        r.error(child(pointer, "steps"),
                "expected a non-empty array of steps, got " + describe(steps));
        return false;
    }
    if (!ok || !var_ok) {
        return false; // without a valid counter, every use of it in the block would be an error
    }
    // The first round reports the block's mistakes once; later rounds differ only in ${var}.
    // With a bad count, the block is still read once, so that its mistakes show too.
    const auto rounds = count_ok ? count : 1;
    for (std::uint64_t round = 1; round <= rounds; ++round) {
        r.define_local(var);
        const bool read =
            list.read(steps, child(pointer, "steps"), {{var, std::to_string(round)}}, out);
        r.drop_local();
        if (!read) {
            return false;
        }
    }
    return count_ok;
}
} // namespace

namespace {

// scenarios/schema.json's $defs/action_repeat (tools/step_docs copies it there).
constexpr std::string_view repeat_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "count",
    "steps"
  ],
  "properties": {
    "count": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000
    },
    "var": {
      "type": "string",
      "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"
    },
    "steps": {
      "type": "array",
      "minItems": 1,
      "items": {
        "$ref": "#/$defs/step"
      }
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view repeat_doc = R"md(### repeat

Runs a block of steps `count` times (1 to 1000), in order: all of round 1, then all of round
2, and so on. Inside the block, `${i}` is the round number, from 1 to `count`; `${i:02}` is
the same zero-padded to 2 digits (`01`, `02`, ...; any width from 1 to 20) and `${i+1}` or
`${i-1}` adds or subtracts (see [`${}` expansion](#name-expansion)). `var` names the counter
something else (needed for a repeat inside a repeat). The counter may also be used in a step's
`session`, which then names a declared session per round. `${i}` outside its repeat is a load
error. The block is written out when the file is loaded, so a failure reports the failing
step's pointer inside the block (`/steps/3/repeat/steps/1`) and its round (`(i = 7)`).

| key | type | default |
| --- | --- | --- |
| `count` | integer 1 to 1000, required | |
| `var` | counter name | `"i"` |
| `steps` | non-empty array of steps, required | |

```json
{"repeat": {"count": 30, "steps": [
  {"session": "alice", "send": {"to": ["bob"], "text": "burst-${i:02}"}}]}}
```
)md";

} // namespace

const StepKind& repeat_kind() {
    static const StepKind kind{
        .key = "repeat",
        .uses_session = false,
        .subject = StepKind::For::both,
        .read = {},
        .read_block = read_repeat,
        .schema = repeat_schema,
        .doc = repeat_doc,
    };
    return kind;
}

} // namespace xsime::harness
