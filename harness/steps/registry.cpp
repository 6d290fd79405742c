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
    X(driver)                                                                                      \
    X(accept)                                                                                      \
    X(expect_tf)                                                                                   \
    X(expect_frame)                                                                                \
    X(push)                                                                                        \
    X(expect_event)                                                                                \
    X(expect_no_event)                                                                             \
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

bool kind_allowed(const StepKind& kind, Subject subject) {
    switch (kind.subject) {
    case StepKind::For::both:
        return true;
    case StepKind::For::server:
        return subject == Subject::server;
    case StepKind::For::client:
        return subject == Subject::client;
    }
    return false;
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
