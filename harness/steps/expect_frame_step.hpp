// The client under test sends this XSIME frame (the harness plays the server).
#pragma once

#include "harness/field_reader.hpp"
#include "harness/json_document.hpp"
#include "harness/scenario.hpp"
#include "harness/steps/action.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace xsime::harness {

struct ExpectFrameStep final : Action {
    std::uint8_t opcode = 0;
    std::optional<std::int32_t> sz;
    std::optional<Bytes> payload;             // payload or payload_hex: the bytes after the header
    std::optional<std::string> payload_regex; // the whole payload; named groups are captures
    std::optional<NumberSource> u64;          // opcodes 4 and 7: the 8-byte big-endian body
    std::uint32_t within_ms = 0;              // 0: the step timeout

    bool read(FieldReader& r, const Json& value, const std::string& pointer);
    StepResult run(StepContext& context) const override;
};

} // namespace xsime::harness
