// Root causes: which failed cases are consequences of another failure, and the few clauses
// (deviations) that account for the rest. A certifier fixes deviations; consequences follow.
//
// A failed case C is linked to a failed case D (C != D) when C relies on a clause D checks.
// A failure linked to a root failure is a consequence of it; a failure with no link, or whose
// every link leads to consequences, is a root failure (a consequence proves nothing, so a
// chain never hides a failure whose only evidence is another consequence). Where only cycles
// are left, the failure with the most links from open failures (one per failure and clause)
// becomes a root, and the rest follows from it. Only `fail` verdicts take part: an error or a skip
// proves nothing about the target. docs/reports.md explains this for users.
#pragma once

#include "harness/result.hpp"

#include <string>
#include <vector>

namespace xsime::harness {

// One clause the target breaks, the root failures that prove it and what follows from it.
struct Deviation {
    std::string clause;
    std::vector<std::size_t> cases;        // root failures it accounts for (indexes in cases)
    std::vector<std::size_t> consequences; // failed cases whose root failure is one of those
};

// Sets consequence_of on every failed case that is a consequence (clears it on the others).
void attribute_consequences(RunResult& run);

// The fewest clauses that account for every root failure (a root failure is accounted for by
// any clause it checks), chosen greedily: the clause covering most root failures first; ties
// go to the clause named earliest in a case's "clauses" (its main clause), then by id. Reads
// consequence_of, so attribute_consequences() comes first. Cases are listed, and deviations
// ordered, by case id (then repetition), whatever the order of run.cases.
std::vector<Deviation> find_deviations(const RunResult& run);

} // namespace xsime::harness
