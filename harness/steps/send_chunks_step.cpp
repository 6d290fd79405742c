// The send_chunks step kind: its reader, its run, its schema and its FORMAT.md section.
#include "harness/steps/send_chunks_step.hpp"

#include "harness/step_context.hpp"
#include "harness/steps/step_kind.hpp"
#include "harness/transcript.hpp"

#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace xsime::harness {

namespace {
constexpr std::array<std::string_view, 2> keys = {"chunks", "delay_ms"};
} // namespace

bool SendChunksStep::read(FieldReader& r, const Json& value, const std::string& pointer) {
    bool ok = true;
    if (!r.action_object(value, pointer, "a send_chunks action", keys, ok)) {
        return false;
    }
    ok &= r.field(value, "chunks", pointer, true, [&](const Json& v, const std::string& p) {
        const bool enough = !v.is_array() || v.size() >= 2;
        if (!enough) {
            r.error(p, "send_chunks needs at least 2 chunks, got " + std::to_string(v.size()) +
                           " (use send_raw for one)");
        }
        return r.items(v, p, "an array of byte sources", &FieldReader::byte_source, chunks) &&
               enough;
    });
    ok &= r.get(value, "delay_ms", pointer, false, &FieldReader::u32, delay_ms);
    return ok;
}

StepResult SendChunksStep::run(StepContext& context) const {
    auto x = context.expander();
    std::vector<Bytes> expanded;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        expanded.push_back(x.bytes(chunks[i], "chunks/" + std::to_string(i) + "/text"));
    }
    if (x.error()) {
        return x.error();
    }
    if (auto stop = context.ensure_connected()) {
        return stop;
    }
    const auto layer = context.layer();
    std::string whole;
    for (const auto& chunk : expanded) {
        whole += chunk.value;
    }
    context.transcript().note(context.session().name,
                              std::to_string(expanded.size()) + " chunks, " +
                                  std::to_string(delay_ms) +
                                  " ms apart, together: " + describe_client_bytes(whole, layer));
    for (std::size_t i = 0; i < expanded.size(); ++i) {
        if (i > 0 && delay_ms > 0) {
            const auto until =
                std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
            if (until > context.scenario_deadline()) {
                return context.scenario_deadline_stop("send_chunks' delay");
            }
            if (!context.sleep_until(until)) {
                return cancelled_stop();
            }
        }
        if (auto stop = context.send_parts({expanded[i].value}, layer)) {
            return stop;
        }
    }
    return std::nullopt;
}

namespace {

// scenarios/schema.json's $defs/action_send_chunks (tools/step_docs copies it there).
constexpr std::string_view send_chunks_schema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": [
    "chunks"
  ],
  "properties": {
    "chunks": {
      "type": "array",
      "minItems": 2,
      "items": {
        "$ref": "#/$defs/byte_source"
      }
    },
    "delay_ms": {
      "$ref": "#/$defs/u32",
      "default": 0
    }
  }
})json";

// The section of scenarios/FORMAT.md (tools/step_docs copies it there).
constexpr std::string_view send_chunks_doc = R"md(### send_chunks

Sends `chunks` (array of at least two [byte sources](#byte-sources)) one after the other,
pausing `delay_ms` (default 0) between them: the same bytes split across reads.

```json
{"send_chunks": {"chunks": [{"hex": "05 00"}, {"hex": "00 00 02 68 69"}], "delay_ms": 50}}
```
)md";

} // namespace

const StepKind& send_chunks_kind() {
    static const StepKind kind{
        .key = "send_chunks",
        .uses_session = true,
        .subject = StepKind::For::both,
        .read = read_action<SendChunksStep>,
        .read_block = {},
        .schema = send_chunks_schema,
        .doc = send_chunks_doc,
    };
    return kind;
}

} // namespace xsime::harness
