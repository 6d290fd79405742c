#!/usr/bin/env python3
"""The deviations of a run against the fault-injected embedded server, judged against the
clauses the injected faults break (`xsime-conform serve --list-faults`).

Usage: deviations.py precise|covers FAULT_TABLE REPORT FAULT...
  precise: every deviation the report names is a clause of the faults, and there is one
           (the attribution found the injected fault and nothing else);
  covers:  each fault has at least one of its clauses among the deviations (for pairs of
           faults: neither hides the other).
Prints one line, "<verdict> <deviations>", each deviation as CLAUSE(roots+consequences);
exits 0 when the verdict is ok, 1 when not, 2 on a usage or file error.
"""
import json
import sys


def fault_clauses(table_path):
    """name -> list of clause ids, from `serve --list-faults` (name TAB clauses TAB text)."""
    clauses = {}
    with open(table_path, encoding="utf-8") as table:
        for line in table:
            name, ids, _ = line.rstrip("\n").split("\t", 2)
            clauses[name] = [c for c in ids.split(",") if c]
    return clauses


def main(argv):
    if len(argv) < 5 or argv[1] not in ("precise", "covers"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mode, table_path, report_path, faults = argv[1], argv[2], argv[3], argv[4:]
    try:
        table = fault_clauses(table_path)
        with open(report_path, encoding="utf-8") as report_file:
            report = json.load(report_file)
    except (OSError, ValueError) as error:
        print(f"ERROR {error}")
        return 2
    unknown = [f for f in faults if f not in table]
    if unknown or "deviations" not in report:
        print(f"ERROR unknown fault(s) {unknown}" if unknown else "ERROR no 'deviations' in report")
        return 2
    deviations = report["deviations"]
    found = [d["clause"] for d in deviations]
    wanted = {c for f in faults for c in table[f]}
    if mode == "precise":
        ok = bool(found) and all(c in wanted for c in found)
    else:
        ok = all(any(c in table[f] for c in found) for f in faults)
    shown = " ".join(
        f"{d['clause']}({len(d['cases'])}+{len(d['consequences'])})" for d in deviations)
    print(f"{'ok' if ok else 'NOT'} {shown or '(none)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
