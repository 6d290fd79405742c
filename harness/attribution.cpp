// Root causes of a run's failures (attribution.hpp).
#include "harness/attribution.hpp"

#include <algorithm>
#include <deque>
#include <map>
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

// Tarjan's strongly connected components, without recursion: the component of each node.
std::vector<std::size_t> components(const std::vector<std::vector<Edge>>& edges) {
    constexpr std::size_t unseen = static_cast<std::size_t>(-1);
    const std::size_t n = edges.size();
    std::vector<std::size_t> index(n, unseen), low(n, 0), component(n, unseen);
    std::vector<bool> on_stack(n, false);
    std::vector<std::size_t> stack;
    std::size_t counter = 0, count = 0;
    struct Frame {
        std::size_t node;
        std::size_t next_edge;
    };
    const auto visit = [&](std::size_t node, std::vector<Frame>& calls) {
        index[node] = low[node] = counter++;
        stack.push_back(node);
        on_stack[node] = true;
        calls.push_back({node, 0});
    };
    for (std::size_t start = 0; start < n; ++start) {
        if (index[start] != unseen) {
            continue;
        }
        std::vector<Frame> calls;
        visit(start, calls);
        while (!calls.empty()) {
            const std::size_t node = calls.back().node;
            if (calls.back().next_edge < edges[node].size()) {
                const std::size_t to = edges[node][calls.back().next_edge++].to;
                if (index[to] == unseen) {
                    visit(to, calls);
                } else if (on_stack[to]) {
                    low[node] = std::min(low[node], index[to]);
                }
                continue;
            }
            calls.pop_back();
            if (!calls.empty()) {
                low[calls.back().node] = std::min(low[calls.back().node], low[node]);
            }
            if (low[node] == index[node]) {
                std::size_t member = unseen;
                do {
                    member = stack.back();
                    stack.pop_back();
                    on_stack[member] = false;
                    component[member] = count;
                } while (member != node);
                ++count;
            }
        }
    }
    return component;
}

// Root nodes: those whose component no link leaves.
std::vector<bool> roots(const FailureGraph& graph) {
    const auto component = components(graph.edges);
    std::vector<bool> left(graph.edges.size(), false); // by component
    for (std::size_t node = 0; node < graph.edges.size(); ++node) {
        for (const Edge& edge : graph.edges[node]) {
            if (component[edge.to] != component[node]) {
                left[component[node]] = true;
            }
        }
    }
    std::vector<bool> root(graph.edges.size());
    for (std::size_t node = 0; node < root.size(); ++node) {
        root[node] = !left[component[node]];
    }
    return root;
}

// The nearest root failure from a node that is not one (there always is one: the walk ends
// in a component no link leaves), and the clause of the last link.
Consequence nearest_root(const RunResult& run, const FailureGraph& graph,
                         const std::vector<bool>& root, std::size_t from) {
    std::vector<bool> seen(graph.edges.size(), false);
    std::deque<std::size_t> queue{from};
    seen[from] = true;
    while (!queue.empty()) {
        const std::size_t node = queue.front();
        queue.pop_front();
        for (const Edge& edge : graph.edges[node]) {
            if (root[edge.to]) {
                return {edge.clause, run.cases[graph.cases[edge.to]].id};
            }
            if (!seen[edge.to]) {
                seen[edge.to] = true;
                queue.push_back(edge.to);
            }
        }
    }
    return {};
}

} // namespace

void attribute_consequences(RunResult& run) {
    for (auto& result : run.cases) {
        result.consequence_of.reset();
    }
    const FailureGraph graph = failure_graph(run);
    const std::vector<bool> root = roots(graph);
    std::vector<std::optional<Consequence>> found(graph.cases.size());
    for (std::size_t node = 0; node < graph.cases.size(); ++node) {
        if (!root[node]) {
            found[node] = nearest_root(run, graph, root, node);
        }
    }
    // Set only now: nearest_root reads ids, and every walk sees the same graph.
    for (std::size_t node = 0; node < graph.cases.size(); ++node) {
        run.cases[graph.cases[node]].consequence_of = found[node];
    }
}

namespace {

// The clause that accounts for most of the uncovered root failures (ties: named earliest in a
// case's clauses, then by id); "" when none of them names a clause.
std::string best_clause(const RunResult& run, const std::vector<std::size_t>& uncovered) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> score; // count, earliest place
    for (std::size_t i : uncovered) {
        const auto& clauses = run.cases[i].clauses;
        for (std::size_t place = 0; place < clauses.size(); ++place) {
            auto [it, inserted] = score.try_emplace(clauses[place], 0, place);
            ++it->second.first;
            it->second.second = std::min(it->second.second, place);
        }
    }
    std::string best;
    std::tuple<std::size_t, std::size_t> best_score{0, 0};
    for (const auto& [clause, counts] : score) {
        // More cases first, then the earlier place; map order breaks the remaining ties by id.
        const std::tuple<std::size_t, std::size_t> candidate{
            counts.first, static_cast<std::size_t>(-1) - counts.second};
        if (best.empty() || candidate > best_score) {
            best = clause;
            best_score = candidate;
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
