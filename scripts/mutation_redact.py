"""Mutation testing of diagnostics/redact.py: `make mutation-redact` (slow; not in `make test`).

Two kinds of mutants, because mutmut only mutates inside functions and most of
redact.py is its module-level patterns and pass list:

1. mutmut (function bodies: the masking callbacks, the line loops, `scrub`,
   `find_secrets`, the logging filter), run in a scratch copy of the repository
   so its `mutants/` folder and configuration never touch the checkout.
2. pattern mutants, made here: each module-level pattern of redact.py in turn is
   replaced by one that never matches (a pass removed, an exclusion list emptied).
   Each mutant runs the redaction tests in a fresh pytest process.

Prints killed/survived per kind and the surviving mutants; exits 1 if any survived.

    .venv/bin/python scripts/mutation_redact.py [--patterns-only | --mutmut-only]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_redact.py", "tests/test_security_redaction.py"]
# mutmut forks a pytest run per mutant: the Django suite's session set-up (a KB index
# build) would cost seconds each time, so mutmut runs the redaction unit tests
# (tests/test_redact.py, no Django needed) from a folder of their own.
UNIT_TESTS = "tests/test_redact.py"
# mutmut forks each mutant's run from a process that already ran the tests: the
# redaction cache (`_run`, an lru_cache) would answer with the unmutated results.
CONFTEST = """
import pytest


@pytest.fixture(autouse=True)
def _fresh_redaction_cache():
    from diagnostics import redact

    redact._run.cache_clear()
"""
MUTMUT_CONFIG = """
[tool.mutmut]
source_paths = ["diagnostics"]
only_mutate = ["diagnostics/redact.py"]
also_copy = ["mutation_tests"]
tests_dir = ["mutation_tests"]
pytest_add_cli_args = ["-p", "no:django", "-p", "no:cacheprovider", "-q", "-x"]
"""
PLUGIN = """
import os

def pytest_configure(config):
    name = os.environ["KB_MUTANT_PATTERN"]
    from diagnostics import linear_re, redact

    never = linear_re.compile(r"[^\\s\\S](?P<head>)(?P<secret>)(?P<tail>)(?P<key>)(?P<indent>)")
    original = getattr(redact, name)
    setattr(redact, name, never)
    redact._TOKEN_PASSES = tuple(
        (never if pattern is original else pattern, whole)
        for pattern, whole in redact._TOKEN_PASSES
    )
"""


def scratch_copy() -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    target = Path(tempfile.mkdtemp(prefix="kb-mutation-"))
    for name in files:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    return target


def pattern_names() -> list[str]:
    source = (ROOT / "diagnostics/redact.py").read_text()
    return re.findall(r"^(_[A-Z_]+) = re\.compile\(", source, flags=re.MULTILINE)


def run_pattern_mutants(work: Path) -> tuple[list[str], list[str]]:
    (work / "kb_mutant_plugin.py").write_text(PLUGIN)
    killed, survived = [], []
    for name in pattern_names():
        env = {**os.environ, "KB_MUTANT_PATTERN": name, "PYTHONPATH": str(work)}
        done = subprocess.run(
            [str(work / ".venv/bin/python"), "-m", "pytest", "-p", "kb_mutant_plugin", "-x", "-q"]
            + ["-p", "no:cacheprovider", *TESTS],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        (killed if done.returncode != 0 else survived).append(name)
        print(
            f"pattern mutant {name:22s} {'killed' if done.returncode else 'SURVIVED'}", flush=True
        )
    return killed, survived


def run_mutmut(work: Path) -> tuple[int, int, list[str]]:
    (work / "mutation_tests").mkdir()
    (work / "mutation_tests/conftest.py").write_text(CONFTEST)
    shutil.copy2(ROOT / UNIT_TESTS, work / "mutation_tests/test_redact.py")
    with open(work / "pyproject.toml", "a") as handle:
        handle.write(MUTMUT_CONFIG)
    mutmut = str(work / ".venv/bin/mutmut")
    subprocess.run([mutmut, "run", "--max-children", "2"], cwd=work, check=False)
    results = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True
    ).stdout
    killed = len(re.findall(r": killed$", results, flags=re.MULTILINE))
    survivors = re.findall(r"^\s*(\S+): survived$", results, flags=re.MULTILINE)
    for name in survivors:
        diff = subprocess.run(
            [mutmut, "show", name], cwd=work, capture_output=True, text=True
        ).stdout
        print(f"--- survivor {name}\n{diff}")
    return killed, len(survivors), survivors


def main() -> int:
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    work = scratch_copy()
    print(f"scratch copy: {work}")
    failed = False
    if only != "--mutmut-only":
        killed, survived = run_pattern_mutants(work)
        print(f"pattern mutants: killed={len(killed)} survived={len(survived)} {survived}")
        failed |= bool(survived)
    if only != "--patterns-only":
        killed_count, survived_count, survivors = run_mutmut(work)
        print(f"mutmut mutants: killed={killed_count} survived={survived_count}")
        failed |= bool(survivors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
