// The table of step kinds: adding a kind is its file in harness/steps/ and one line here.
#include "harness/steps/step_kind.hpp"

#include <array>

namespace xsime::harness {

// In the order scenarios/FORMAT.md documents them. The list ends with a comment, so that a
// new kind is one added line and no other line changes.
#define XSIME_STEP_KINDS(X)                                                                        \
    X(login)                                                                                       \
    X(start)                                                                                       \
    X(restart)                                                                                     \
    X(tf)                                                                                          \
    X(setup)                                                                                       \
    X(org_unit)                                                                                    \
    X(user)                                                                                        \
    X(interval)                                                                                    \
    X(send)                                                                                        \
    X(exit)                                                                                        \
    X(expect)                                                                                      \
    X(expect_nothing)                                                                              \
    X(expect_close)                                                                                \
    X(any_of)                                                                                      \
    X(mailbox)                                                                                     \
    X(send_raw)                                                                                    \
    X(send_chunks)                                                                                 \
    X(close)                                                                                       \
    X(sleep)                                                                                       \
    X(repeat)                                                                                      \
    /* a new kind: its line above this one */

#define XSIME_DECLARE_KIND(name) const StepKind& name##_kind();
XSIME_STEP_KINDS(XSIME_DECLARE_KIND)
#undef XSIME_DECLARE_KIND

std::span<const StepKind* const> step_kinds() {
#define XSIME_KIND_ENTRY(name) &name##_kind(),
    static const std::array kinds = {XSIME_STEP_KINDS(XSIME_KIND_ENTRY)};
#undef XSIME_KIND_ENTRY
    return kinds;
}

const StepKind* find_step_kind(std::string_view key) {
    for (const auto* kind : step_kinds()) {
        if (kind->key == key) {
            return kind;
        }
    }
    return nullptr;
}

} // namespace xsime::harness
