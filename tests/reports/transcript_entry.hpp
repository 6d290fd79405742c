// Builds transcript entries for the reporter tests.
#pragma once

#include "harness/result.hpp"

#include <chrono>
#include <string>

namespace xsime::test {

inline harness::TranscriptEntry entry(std::chrono::microseconds offset, std::string session,
                                      harness::TranscriptEntry::Kind kind, std::string bytes,
                                      std::string decoded = "") {
    harness::TranscriptEntry out;
    out.offset = offset;
    out.session = std::move(session);
    out.kind = kind;
    out.bytes = std::move(bytes);
    out.decoded = std::move(decoded);
    return out;
}

} // namespace xsime::test
