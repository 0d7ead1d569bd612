"""Mutation testing of one module with mutmut, in a scratch copy of the project.

    python scripts/mutation.py diagnostics/checks/allowlist.py \\
        tests/test_allowlist.py tests/test_checks_units.py

mutmut reads its settings from pyproject.toml's [tool.mutmut]; each module
under test wants its own (what to mutate, which tests kill its mutants), so
the run happens in `var/mutation/<module>/`, a copy of the working tree with
a [tool.mutmut] section of its own. Prints mutmut's per-mutant results and a
last line `mutation <module> killed=K timeout=T survived=S other=O`; exits 1
when a mutant survived (or mutmut could not judge one). Survivors are explained in docs/mutation-testing.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "var", "mutants", "staticfiles", ".git", ".pytest_cache", ".ruff_cache"}


def scratch_copy(module: str) -> Path:
    target = ROOT / "var" / "mutation" / module.replace("/", "_").removesuffix(".py")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        ROOT,
        target,
        ignore=lambda folder, names: [n for n in names if n in SKIP or n == "__pycache__"],
        symlinks=True,
    )
    return target


def configure(copy: Path, module: str, tests: list[str]) -> None:
    pyproject = copy / "pyproject.toml"
    text = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", pyproject.read_text())
    top = module.split("/")[0]
    others = sorted(p.name for p in copy.iterdir() if p.name not in {top, "tests"})
    text += (
        "\n[tool.mutmut]\n"
        f"source_paths = [{top!r}]\n"
        f"only_mutate = [{module!r}]\n"
        f"also_copy = {others!r}\n"
        f"pytest_add_cli_args_test_selection = {tests!r}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]\n'
    )
    pyproject.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="the file to mutate, e.g. diagnostics/checks/allowlist.py")
    parser.add_argument("tests", nargs="+", help="the test files that should kill its mutants")
    parser.add_argument("--max-children", default="2")
    args = parser.parse_args()
    copy = scratch_copy(args.module)
    configure(copy, args.module, args.tests)
    mutmut = str(Path(sys.executable).parent / "mutmut")
    subprocess.run([mutmut, "run", "--max-children", args.max_children], cwd=copy, check=False)
    listing = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=copy, capture_output=True, text=True
    )
    statuses: Counter[str] = Counter()
    for line in listing.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            statuses[status] += 1
            if status != "killed":
                print(line.strip())
                shown = subprocess.run(
                    [mutmut, "show", name], cwd=copy, capture_output=True, text=True
                )
                print(shown.stdout)
    # A mutant that makes the tests hang (e.g. a deadline removed) is caught by mutmut's
    # own time limit: detected, like a killed one, but listed above for a look.
    other = sum(
        n for status, n in statuses.items() if status not in ("killed", "survived", "timeout")
    )
    print(
        f"mutation {args.module} killed={statuses['killed']} timeout={statuses['timeout']} "
        f"survived={statuses['survived']} other={other}"
    )
    return 1 if statuses["survived"] or other else 0


if __name__ == "__main__":
    sys.exit(main())
