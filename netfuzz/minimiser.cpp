// Message-level, then byte-level shrinking (minimiser.hpp).
#include "netfuzz/minimiser.hpp"

#include <string>

namespace xsime::netfuzz {

Case without_session(const Case& fuzz_case, std::size_t index) {
    Case out;
    for (std::size_t s = 0; s < fuzz_case.sessions.size(); ++s) {
        if (s != index) {
            out.sessions.push_back(fuzz_case.sessions[s]);
        }
    }
    for (const auto s : fuzz_case.schedule) {
        if (s != index) {
            out.schedule.push_back(s > index ? s - 1 : s);
        }
    }
    return out;
}

Case without_message(const Case& fuzz_case, std::size_t session, std::size_t index) {
    Case out = fuzz_case;
    auto& script = out.sessions[session];
    if (script.messages[index].kind != MessageKind::send) {
        script.valid = false;
    }
    script.messages.erase(script.messages.begin() + static_cast<std::ptrdiff_t>(index));
    // Drop the session's last schedule entry: its later messages move up by one.
    for (auto it = out.schedule.rbegin(); it != out.schedule.rend(); ++it) {
        if (*it == session) {
            out.schedule.erase(std::next(it).base());
            break;
        }
    }
    return out;
}

namespace {

class Shrinker {
public:
    Shrinker(Case start, const Reproduces& reproduces, const MinimiseBudget& budget)
        : best_(std::move(start)), reproduces_(reproduces), budget_(budget) {}

    void sessions() {
        for (std::size_t s = best_.sessions.size(); s-- > 0 && best_.sessions.size() > 1;) {
            try_candidate(without_session(best_, s));
        }
    }

    void messages() {
        for (std::size_t s = 0; s < best_.sessions.size(); ++s) {
            for (std::size_t m = best_.sessions[s].messages.size(); m-- > 0;) {
                if (best_.sessions[s].messages.size() > 1) {
                    try_candidate(without_message(best_, s, m));
                }
            }
        }
    }

    // Removes chunks of halving size from each raw message and each valid send's text.
    void bytes() {
        for (std::size_t s = 0; s < best_.sessions.size(); ++s) {
            for (std::size_t m = 0; m < best_.sessions[s].messages.size(); ++m) {
                shrink_message(s, m);
            }
        }
    }

    const Case& best() const { return best_; }
    std::size_t runs() const { return runs_; }

private:
    bool spent() const {
        return runs_ >= budget_.max_runs || std::chrono::steady_clock::now() >= budget_.deadline;
    }

    bool try_candidate(Case candidate) {
        if (spent()) {
            return false;
        }
        ++runs_;
        if (!reproduces_(candidate)) {
            return false;
        }
        best_ = std::move(candidate);
        return true;
    }

    void shrink_message(std::size_t s, std::size_t m) {
        const auto& message = best_.sessions[s].messages[m];
        const bool text = message.kind == MessageKind::send && best_.sessions[s].valid;
        if (!text && message.kind != MessageKind::raw) {
            return;
        }
        std::string value = text ? message.text : message.bytes;
        for (std::size_t chunk = value.size() / 2; chunk > 0 && !spent(); chunk /= 2) {
            for (std::size_t at = 0; at + chunk <= value.size() && !spent();) {
                std::string shorter = value.substr(0, at) + value.substr(at + chunk);
                if (shorter.empty()) {
                    break;
                }
                Case candidate = best_;
                auto& slot = candidate.sessions[s].messages[m];
                slot =
                    text ? send_message(candidate.sessions[s].user, shorter) : raw_message(shorter);
                if (try_candidate(std::move(candidate))) {
                    value = std::move(shorter);
                } else {
                    at += chunk;
                }
            }
        }
    }

    Case best_;
    const Reproduces& reproduces_;
    const MinimiseBudget& budget_;
    std::size_t runs_ = 0;
};

} // namespace

Case minimise(Case fuzz_case, const Reproduces& reproduces, const MinimiseBudget& budget,
              std::size_t& runs) {
    Shrinker shrinker(std::move(fuzz_case), reproduces, budget);
    shrinker.sessions();
    shrinker.messages();
    shrinker.messages(); // a second pass: a drop can make an earlier one possible
    shrinker.bytes();
    runs = shrinker.runs();
    return shrinker.best();
}

} // namespace xsime::netfuzz
