#!/usr/bin/env python3
"""Compares JSON reports of the same suite run two ways (docs/reports.md format).

Usage: compare_runs.py SCENARIOS_DIR BASELINE.json OTHER.json [--remote-fixtures]

The baseline (plain transport, local fixtures) must pass every case. The other run must give
every case the same verdict, except with --remote-fixtures, where a case may instead be
skipped for exactly the reasons remote fixtures give, and only if its scenario file needs them:
  - fixture "messages" or "links" (TF commands cannot place message files or symlinks): the
    case is skipped before running ("needs a local fixture");
  - a "mailbox" step with "content_regex" or "no_content_regex" (message contents cannot be
    read through TF commands): the case ran up to it and passed every step before it ("not
    observable", "every step before it passed").
A case whose mailbox steps (also inside "repeat" blocks) check only "count" must give the same
verdict: remote fixtures count message files through LS. Any other difference, or a case
expected to be skipped that passed (a check reported as passed without being made), fails.
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
    needs = {}
    for path in glob.glob(os.path.join(scenarios_dir, "**", "*.json"), recursive=True):
        name = os.path.basename(path)
        if name in ("schema.json", "clauses.json"):
            continue
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        fixture = doc.get("fixture", {})
        local_only = bool(fixture.get("messages") or fixture.get("links"))
        checks = [step["mailbox"] for step in all_steps(doc["steps"]) if "mailbox" in step]
        contents = any("content_regex" in check or "no_content_regex" in check
                       for check in checks)
        needs[doc["id"]] = ("local fixture" if local_only else
                            "mailbox" if contents else
                            "count" if checks else None)
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
    counts = {"same": 0, "counted": 0, "skipped local fixture": 0, "skipped mailbox": 0}
    for case_id in sorted(set(baseline) & set(other)):
        base, case = baseline[case_id], other[case_id]
        if base["verdict"] != "pass":
            problems.append("%s: baseline verdict %s: %s" % (case_id, base["verdict"], base["message"]))
            continue
        need = needs.get(case_id) if remote else None
        if need is None or need == "count":
            if case["verdict"] != "pass":
                problems.append("%s: %s (baseline pass): %s" % (case_id, case["verdict"], case["message"]))
            else:
                counts["same"] += 1
                counts["counted"] += 1 if need == "count" else 0
            continue
        reason = case.get("skip_reason", "")
        if case["verdict"] != "skipped":
            problems.append("%s: needs %s, so it must be skipped remotely, but is %s" %
                            (case_id, need, case["verdict"]))
        elif need == "local fixture" and "needs a local fixture" not in reason:
            problems.append("%s: skipped for an unexpected reason: %s" % (case_id, reason))
        elif need == "mailbox" and not ("not observable" in reason and "every step before it passed" in reason):
            problems.append("%s: skipped for an unexpected reason: %s" % (case_id, reason))
        else:
            counts["skipped " + need] += 1
    for problem in problems:
        print("MISMATCH " + problem)
    print("compared %d cases: %d same verdict (%d with count-only mailbox checks made "
          "remotely), %d skipped (local fixture needed), %d skipped (mailbox content check not "
          "observable)" % (len(other), counts["same"], counts["counted"] if remote else 0,
                           counts["skipped local fixture"], counts["skipped mailbox"]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
