#!/usr/bin/env python3
"""Every scenario of the suite says what it relies on (scenarios/FORMAT.md, relies_on).

The loader accepts a scenario without the field (other people's scenarios), but in this
suite a missing relies_on would silently turn consequences into deviations.
Usage: relies_on_declared_test.py SCENARIOS_DIR
"""
import json
import pathlib
import sys


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    missing = []
    files = [p for p in sorted(root.rglob("*.json")) if p.name not in ("schema.json", "clauses.json")]
    for path in files:
        if "relies_on" not in json.loads(path.read_text(encoding="utf-8")):
            missing.append(str(path.relative_to(root)))
    for name in missing:
        print(f"no relies_on: {name}")
    print(f"{len(files) - len(missing)} of {len(files)} scenarios declare relies_on")
    return 1 if missing or not files else 0


if __name__ == "__main__":
    sys.exit(main())
