#!/usr/bin/env python3
"""Every scenario of the suite, and every file the loader tests accept, is valid against
scenarios/schema.json: the schema is what editors check scenario files with, so it must
never flag a file the loader takes (it may accept more: regexes that do not compile,
undefined ${name} references and the like are the loader's to find).

Usage: schema_valid_test.py SCENARIOS_DIR [MORE_DIRS...]
"""
import json
import os
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    # The interpreter CMake found (pyenv, a venv) may lack it; Debian's has python3-jsonschema
    # (ci/install-deps).
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

NOT_SCENARIOS = ("schema.json", "clauses.json")


def main() -> int:
    scenarios = pathlib.Path(sys.argv[1])
    schema = json.loads((scenarios / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    files = []
    for folder in [scenarios, *map(pathlib.Path, sys.argv[2:])]:
        files += [p for p in sorted(folder.rglob("*.json")) if p.name not in NOT_SCENARIOS]
    invalid = 0
    for path in files:
        errors = list(validator.iter_errors(json.loads(path.read_text(encoding="utf-8"))))
        if errors:
            invalid += 1
            best = jsonschema.exceptions.best_match(errors)
            pointer = "/" + "/".join(str(part) for part in best.absolute_path)
            print(f"{path}: at {pointer}: {best.message[:300]}")
    print(f"{len(files) - invalid} of {len(files)} scenario files are valid against schema.json")
    return 1 if invalid or not files else 0


if __name__ == "__main__":
    sys.exit(main())
