#!/usr/bin/env python3
"""Checks the example CI pipelines in ci/examples: they parse as YAML, have the shape their
CI system needs, and every xsime-conform subcommand and option, ci/ script and CMake preset
they call exists."""
import argparse
import json
import pathlib
import re
import shlex
import subprocess
import sys

import yaml

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def scripts_of_github(doc):
    for job_name, job in doc["jobs"].items():
        for step in job.get("steps", []):
            if "run" in step:
                yield f"jobs.{job_name}: {step.get('name', 'step')}", step["run"]


def scripts_of_gitlab(doc):
    for job_name, job in doc.items():
        if not isinstance(job, dict):
            continue
        for key in ("before_script", "script", "after_script"):
            for line in job.get(key, []):
                yield f"{job_name}.{key}", line


def words_of(script):
    # Join continuation lines, then split each shell line into words.
    text = script.replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            # Subshell parentheses are not part of the words.
            yield [w.strip("()") for w in shlex.split(line, comments=True)]
        except ValueError as error:
            failures.append(f"cannot split shell line {line!r}: {error}")


def check_commands(where, script, repo, binary, presets, help_cache):
    for words in words_of(script):
        for i, word in enumerate(words):
            if word.endswith("/cli/xsime-conform"):
                if i + 1 >= len(words):
                    failures.append(f"{where}: xsime-conform without a subcommand")
                    continue
                sub = words[i + 1]
                if sub not in help_cache:
                    result = subprocess.run([binary, sub, "--help"], capture_output=True,
                                            text=True, timeout=30)
                    usage = re.search(r"Usage: \S*xsime-conform " + re.escape(sub) + r"\b",
                                      result.stdout)
                    help_cache[sub] = result.stdout if result.returncode == 0 and usage else None
                check(help_cache[sub] is not None,
                      f"{where}: 'xsime-conform {sub}' is not a subcommand")
                if help_cache[sub] is None:
                    continue
                for option in words[i + 2:]:
                    if option in ("&&", "||", ";", "|", "&") or option.startswith(">"):
                        break
                    if option.startswith("--") or re.fullmatch(r"-[a-zA-Z]", option):
                        name = option.split("=", 1)[0]
                        check(re.search(r"(^|[\s,])" + re.escape(name) + r"\b", help_cache[sub]),
                              f"{where}: 'xsime-conform {sub}' has no option {name}")
            m = re.fullmatch(r"(?:.*/)?(ci/[A-Za-z0-9_.-]+)", word)
            if m and not word.startswith("xsime-conform/build"):
                path = repo / m.group(1)
                check(path.is_file(), f"{where}: {m.group(1)} does not exist in the repository")
            if word == "--preset" and i + 1 < len(words):
                check(words[i + 1] in presets,
                      f"{where}: CMake preset '{words[i + 1]}' does not exist")


def check_clusterfuzzlite(repo):
    """The ClusterFuzzLite workflow uses the build in .clusterfuzzlite/ as it is configured."""
    workflow = yaml.safe_load((repo / "ci/examples/clusterfuzzlite.yml").read_text())
    project = yaml.safe_load((repo / ".clusterfuzzlite/project.yaml").read_text())
    check((repo / ".clusterfuzzlite/build.sh").is_file() and
          (repo / ".clusterfuzzlite/Dockerfile").is_file(),
          ".clusterfuzzlite/ lacks build.sh or Dockerfile")
    triggers = workflow.get("on", workflow.get(True)) or {}
    crons = {entry["cron"] for entry in triggers.get("schedule", [])}
    check("pull_request" in triggers, "clusterfuzzlite.yml: no pull_request trigger")
    modes = set()
    for name, job in workflow["jobs"].items():
        where = f"clusterfuzzlite.yml job {name}"
        condition = str(job.get("if", ""))
        for cron in re.findall(r"github\.event\.schedule == '([^']*)'", condition):
            check(cron in crons, f"{where}: its if names the cron '{cron}', not a schedule")
        steps = job["steps"]
        build = [s for s in steps if str(s.get("uses", "")).startswith(
            "google/clusterfuzzlite/actions/build_fuzzers@")]
        run = [s for s in steps if str(s.get("uses", "")).startswith(
            "google/clusterfuzzlite/actions/run_fuzzers@")]
        check(len(build) == 1 and len(run) == 1, f"{where}: not one build and one run step")
        if not (build and run):
            continue
        check(build[0]["with"].get("language") == project["language"],
              f"{where}: build language is not project.yaml's ({project['language']})")
        matrix = job.get("strategy", {}).get("matrix", {})
        sanitizers = set(matrix.get("sanitizer", [])) | {
            entry["sanitizer"] for entry in matrix.get("include", [])}
        check(sanitizers, f"{where}: no sanitizer in the matrix")
        for sanitizer in sanitizers - {"coverage"}:
            check(sanitizer in project["sanitizers"],
                  f"{where}: sanitizer {sanitizer} is not in project.yaml")
        mode = str(run[0]["with"].get("mode"))
        mode_values = {str(e["mode"]) for e in matrix.get("include", [])} if "matrix" in mode else {mode}
        for value in mode_values:
            check(value in ("code-change", "batch", "prune", "coverage"),
                  f"{where}: unknown run_fuzzers mode {value}")
        modes |= mode_values
        seconds = run[0]["with"].get("fuzz-seconds")
        check(isinstance(seconds, int) and seconds > 0, f"{where}: fuzz-seconds is not a count")
    check(modes == {"code-change", "batch", "prune", "coverage"},
          f"clusterfuzzlite.yml: modes {sorted(modes)}, expected code-change, batch, prune, coverage")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True, type=pathlib.Path)
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    repo = args.repo
    presets_doc = json.loads((repo / "CMakePresets.json").read_text())
    presets = {p["name"] for p in presets_doc["configurePresets"]}
    help_cache = {}

    github = yaml.safe_load((repo / "ci/examples/github-actions.yml").read_text())
    # YAML 1.1 reads the key `on` as True.
    check("on" in github or True in github, "github-actions.yml: no 'on' trigger")
    job = github["jobs"]["conformance"]
    shards = job["strategy"]["matrix"]["shard"]
    check(shards == list(range(1, len(shards) + 1)), "github-actions.yml: shards must be 1..N")
    check(str(job["env"]["SHARDS"]) == str(len(shards)),
          "github-actions.yml: SHARDS does not match the matrix")
    check(any("junit" in json.dumps(step) for step in job["steps"] if step.get("if") == "always()"),
          "github-actions.yml: the JUnit report is not published with if: always()")
    for where, script in scripts_of_github(github):
        check_commands("github-actions.yml " + where, script, repo, args.binary, presets, help_cache)

    gitlab = yaml.safe_load((repo / "ci/examples/gitlab-ci.yml").read_text())
    job = gitlab["xsime-conformance"]
    check(isinstance(job.get("parallel"), int) and job["parallel"] > 1,
          "gitlab-ci.yml: no parallel count")
    check(job["artifacts"]["reports"]["junit"] == "junit.xml",
          "gitlab-ci.yml: junit.xml is not published as a JUnit report")
    check(job["artifacts"]["when"] == "always", "gitlab-ci.yml: artifacts not kept on failure")
    for where, script in scripts_of_gitlab(gitlab):
        check_commands("gitlab-ci.yml " + where, script, repo, args.binary, presets, help_cache)

    check_clusterfuzzlite(repo)
    check("run" in help_cache, "no pipeline calls 'xsime-conform run'")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
