#!/usr/bin/env python3
"""Compares JSON reports of the same suite run two ways (docs/reports.md format).

Usage: compare_runs.py SCENARIOS_DIR BASELINE.json OTHER.json [--remote-fixtures]

The baseline (plain transport, local fixtures) must pass every case. The other run must give
every case the same verdict, except with --remote-fixtures, where a case must instead be
skipped when, and only when, its scenario file has fixture "links": no TF command makes a
symlink, so the case is skipped before running ("needs a local fixture: symlinks ...").
Everything else runs remotely: mailbox steps check only what TF commands observe (count,
blacklist, folders). So with --remote-fixtures a scenario that still needs a local fixture
for anything else - fixture "messages", or a mailbox step (also inside "repeat" blocks) with
"content_regex" or "no_content_regex" - is itself a mismatch, as is a case expected to be
skipped that passed (a check reported as passed without being made).
"""

import glob
import json
import os
import sys


def load_cases(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return {case["id"]: case for case in doc["cases"]}


def all_steps(steps):
    """The steps of a scenario, with the blocks of repeat steps written out once."""
    for step in steps:
        if "repeat" in step:
            yield from all_steps(step["repeat"].get("steps", []))
        else:
            yield step


def scenario_needs(scenarios_dir):
    """Per id: "links" (remote runs skip it), "messages" or "contents" (a remote run would
    skip it: the suite must not have such a case), or None (it runs remotely)."""
    needs = {}
    for path in glob.glob(os.path.join(scenarios_dir, "**", "*.json"), recursive=True):
        name = os.path.basename(path)
        if name in ("schema.json", "clauses.json"):
            continue
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        fixture = doc.get("fixture", {})
        checks = [step["mailbox"] for step in all_steps(doc["steps"]) if "mailbox" in step]
        contents = any("content_regex" in check or "no_content_regex" in check
                       for check in checks)
        needs[doc["id"]] = ("links" if fixture.get("links") else
                            "messages" if fixture.get("messages") else
                            "contents" if contents else None)
    return needs


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    scenarios_dir, baseline_path, other_path = sys.argv[1:4]
    remote = "--remote-fixtures" in sys.argv[4:]
    needs = scenario_needs(scenarios_dir)
    baseline = load_cases(baseline_path)
    other = load_cases(other_path)
    problems = []
    if set(baseline) != set(other):
        problems.append("different case sets: only in baseline %s, only in other %s" %
                        (sorted(set(baseline) - set(other)), sorted(set(other) - set(baseline))))
    counts = {"same": 0, "skipped": 0}
    for case_id in sorted(set(baseline) & set(other)):
        base, case = baseline[case_id], other[case_id]
        if base["verdict"] != "pass":
            problems.append("%s: baseline verdict %s: %s" % (case_id, base["verdict"], base["message"]))
            continue
        need = needs.get(case_id) if remote else None
        if need in ("messages", "contents"):
            problems.append("%s: uses %s, which a remote run cannot check (only symlinks may need "
                            "a local fixture)" % (case_id, "fixture messages" if need == "messages"
                                                  else "mailbox content checks"))
        elif need is None:
            if case["verdict"] != "pass":
                problems.append("%s: %s (baseline pass): %s" % (case_id, case["verdict"], case["message"]))
            else:
                counts["same"] += 1
        elif case["verdict"] != "skipped":
            problems.append("%s: has fixture links, so it must be skipped remotely, but is %s" %
                            (case_id, case["verdict"]))
        elif not case.get("skip_reason", "").startswith("needs a local fixture: symlinks"):
            problems.append("%s: skipped for an unexpected reason: %s" %
                            (case_id, case.get("skip_reason", "")))
        else:
            counts["skipped"] += 1
    for problem in problems:
        print("MISMATCH " + problem)
    print("compared %d cases: %d same verdict, %d skipped (symlinks need a local fixture)" %
          (len(other), counts["same"], counts["skipped"]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
