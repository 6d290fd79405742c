// Root causes of a run's failures (attribution.hpp).
#include "harness/attribution.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <tuple>

namespace xsime::harness {

namespace {

// The cases by id, then repetition: cases finish in any order on several threads, and the
// attribution must not depend on it.
std::vector<std::size_t> by_id(const RunResult& run) {
    std::vector<std::size_t> order(run.cases.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const CaseResult& x = run.cases[a];
        const CaseResult& y = run.cases[b];
        return std::tie(x.id, x.repetition) < std::tie(y.id, y.repetition);
    });
    return order;
}

struct Edge {
    std::size_t to;     // node
    std::string clause; // relied on by the edge's source, checked by `to`
};

// The failed cases (nodes) and their links: node -> the failed cases checking a clause it
// relies on. Another repetition of the same scenario is never a cause of it.
struct FailureGraph {
    std::vector<std::size_t> cases; // node -> index in run.cases
    std::vector<std::vector<Edge>> edges;
};

FailureGraph failure_graph(const RunResult& run) {
    FailureGraph graph;
    std::map<std::string, std::vector<std::size_t>> checked_by;
    for (std::size_t i : by_id(run)) {
        if (run.cases[i].verdict != Verdict::fail) {
            continue;
        }
        for (const auto& clause : run.cases[i].clauses) {
            checked_by[clause].push_back(graph.cases.size());
        }
        graph.cases.push_back(i);
    }
    graph.edges.resize(graph.cases.size());
    for (std::size_t node = 0; node < graph.cases.size(); ++node) {
        const CaseResult& from = run.cases[graph.cases[node]];
        for (const auto& clause : from.relies_on) {
            const auto found = checked_by.find(clause);
            if (found == checked_by.end()) {
                continue;
            }
            for (std::size_t to : found->second) {
                if (to != node && run.cases[graph.cases[to]].id != from.id) {
                    graph.edges[node].push_back({to, clause});
                }
            }
        }
    }
    return graph;
}

// Which failures are roots and which consequences, decided like a retrograde analysis: a
// failure linked to a root failure is a consequence of it; a failure whose every link leads
// to consequences (or that has none) is a root. Where only cycles are left, the failure most
// others are linked to becomes a root (the simplest explanation), and the rest follows.
class Classifier {
public:
    Classifier(const RunResult& run, const FailureGraph& graph)
        : run_(run), graph_(graph), state_(graph.cases.size(), State::open),
          open_links_(graph.cases.size(), 0), linked_from_(graph.cases.size()),
          found_(graph.cases.size()) {
        for (std::size_t node = 0; node < graph.cases.size(); ++node) {
            open_links_[node] = graph.edges[node].size();
            for (const Edge& edge : graph.edges[node]) {
                linked_from_[edge.to].push_back({node, edge.clause});
            }
        }
    }

    std::vector<std::optional<Consequence>> classify() {
        for (std::size_t node = 0; node < state_.size(); ++node) {
            if (open_links_[node] == 0) {
                queue_.push_back(node);
            }
        }
        for (;;) {
            settle();
            const auto chosen = most_linked_open();
            if (!chosen) {
                return found_;
            }
            queue_.push_back(*chosen);
        }
    }

private:
    enum class State { open, root, consequence };

    // Roots from the queue, and what follows from each, until nothing more follows.
    void settle() {
        while (!queue_.empty()) {
            const std::size_t node = queue_.front();
            queue_.pop_front();
            if (state_[node] != State::open) {
                continue;
            }
            state_[node] = State::root;
            for (const Edge& link : linked_from_[node]) {
                if (state_[link.to] == State::open) {
                    make_consequence(link.to, {link.clause, run_.cases[graph_.cases[node]].id});
                }
            }
        }
    }

    void make_consequence(std::size_t node, Consequence consequence) {
        state_[node] = State::consequence;
        found_[node] = std::move(consequence);
        for (const Edge& link : linked_from_[node]) {
            if (state_[link.to] == State::open && --open_links_[link.to] == 0) {
                queue_.push_back(link.to);
            }
        }
    }

    // The open failure with the most links from open failures; ties go to the first by id.
    std::optional<std::size_t> most_linked_open() const {
        std::optional<std::size_t> best;
        std::size_t best_count = 0;
        for (std::size_t node = 0; node < state_.size(); ++node) {
            if (state_[node] != State::open) {
                continue;
            }
            // Links, one per (failure, clause): a failure checking several clauses that many
            // failures rely on is blamed for each.
            std::size_t count = 0;
            for (const Edge& link : linked_from_[node]) {
                count += state_[link.to] == State::open ? 1 : 0;
            }
            if (!best || count > best_count) {
                best = node;
                best_count = count;
            }
        }
        return best;
    }

    const RunResult& run_;
    const FailureGraph& graph_;
    std::vector<State> state_;
    std::vector<std::size_t> open_links_;        // links to failures not yet consequences
    std::vector<std::vector<Edge>> linked_from_; // reversed links: (from, clause)
    std::vector<std::optional<Consequence>> found_;
    std::deque<std::size_t> queue_; // failures found to be roots, not yet settled
};

} // namespace

void attribute_consequences(RunResult& run) {
    for (auto& result : run.cases) {
        result.consequence_of.reset();
    }
    const FailureGraph graph = failure_graph(run);
    const auto found = Classifier(run, graph).classify();
    for (std::size_t node = 0; node < graph.cases.size(); ++node) {
        run.cases[graph.cases[node]].consequence_of = found[node];
    }
}

namespace {

// The clause that accounts for most of the uncovered root failures; among those, the one a
// case names first (a scenario names its main clause first), then by id. "" when none of
// them names a clause. Verdicts alone cannot tell which clause of a failed case broke: this
// is a convention, and docs/reports.md says so.
std::string best_clause(const RunResult& run, const std::vector<std::size_t>& uncovered) {
    struct Score {
        std::size_t cases = 0;
        std::size_t earliest = static_cast<std::size_t>(-1);
    };
    std::map<std::string, Score> scores;
    for (std::size_t i : uncovered) {
        const auto& clauses = run.cases[i].clauses;
        for (std::size_t place = 0; place < clauses.size(); ++place) {
            Score& score = scores[clauses[place]];
            ++score.cases;
            score.earliest = std::min(score.earliest, place);
        }
    }
    std::string best;
    Score best_score;
    for (const auto& [clause, score] : scores) {
        // Map order leaves the remaining ties to the id.
        if (best.empty() || score.cases > best_score.cases ||
            (score.cases == best_score.cases && score.earliest < best_score.earliest)) {
            best = clause;
            best_score = score;
        }
    }
    return best;
}

} // namespace

std::vector<Deviation> find_deviations(const RunResult& run) {
    std::vector<std::size_t> uncovered;
    const auto order = by_id(run);
    for (std::size_t i : order) {
        if (run.cases[i].verdict == Verdict::fail && !run.cases[i].consequence_of) {
            uncovered.push_back(i);
        }
    }
    std::vector<Deviation> deviations;
    while (!uncovered.empty()) {
        Deviation deviation{best_clause(run, uncovered), {}, {}};
        std::vector<std::size_t> rest;
        for (std::size_t i : uncovered) {
            const auto& clauses = run.cases[i].clauses;
            const bool covers =
                deviation.clause.empty() ||
                std::find(clauses.begin(), clauses.end(), deviation.clause) != clauses.end();
            (covers ? deviation.cases : rest).push_back(i);
        }
        uncovered = std::move(rest);
        deviations.push_back(std::move(deviation));
    }
    // Each consequence goes under the deviation holding the root failure it names.
    for (std::size_t i : order) {
        const auto& consequence = run.cases[i].consequence_of;
        if (run.cases[i].verdict != Verdict::fail || !consequence) {
            continue;
        }
        for (auto& deviation : deviations) {
            const auto holds =
                std::any_of(deviation.cases.begin(), deviation.cases.end(), [&](std::size_t root) {
                    return run.cases[root].id == consequence->case_id;
                });
            if (holds) {
                deviation.consequences.push_back(i);
                break;
            }
        }
    }
    // Each deviation's cases are in id order; the deviations follow their first case.
    std::sort(deviations.begin(), deviations.end(), [&](const Deviation& a, const Deviation& b) {
        const CaseResult& x = run.cases[a.cases.front()];
        const CaseResult& y = run.cases[b.cases.front()];
        return std::tie(x.id, x.repetition) < std::tie(y.id, y.repetition);
    });
    return deviations;
}

} // namespace xsime::harness
