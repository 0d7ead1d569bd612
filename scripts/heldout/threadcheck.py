"""Is a public thread unused by the project? Check it, then claim it for a held-out set.

Collectors of a new held-out set run this before they read a thread closely and again
before they write its paste: a thread cited anywhere in the repository (tests, content,
docs, bench, lab, code) or already claimed by another collector of the round is USED.

    python scripts/heldout/threadcheck.py check URL [URL ...]
    python scripts/heldout/threadcheck.py claim URL TAG

The staging folder (default /work/stage, or $KB_HELDOUT_STAGE) holds the round's drafts and
its `claims.tsv`; a lock file keeps two collectors from claiming one thread at once.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.test_heldout4_format import thread_key  # noqa: E402  (the format tests' key)

SEARCHED = ("tests", "content", "docs", "bench", "lab", "diagnostics", "kb", "templates")
URL_RE = re.compile(r"https?://[^\s)>\]`'\"|<]+")
SUFFIXES = (".txt", ".tsv", ".md", ".py", ".json", ".yaml", ".yml", ".html")


def used_keys(folders: list[Path]) -> dict[str, str]:
    """Every thread cited under `folders`, with the first file that cites it."""
    seen: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            # a collector's notes list leads it left unused: still free for the next round
            if not path.is_file() or path.suffix not in SUFFIXES or path.name.startswith("notes-"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for url in URL_RE.findall(text):
                # a URL that ends a sentence in prose: its full stop is not part of it
                seen.setdefault(thread_key(url.rstrip(".,;:")), str(path))
    return seen


def claims(stage: Path) -> dict[str, str]:
    path = stage / "claims.tsv"
    if not path.exists():
        return {}
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines())
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def verdict(url: str, stage: Path, used: dict[str, str]) -> str:
    """FREE, or where the thread is claimed or used (`used`: used_keys of the repository)."""
    key = thread_key(url)
    claimed = claims(stage)
    if key in claimed:
        return f"CLAIMED by {claimed[key]}"
    if key in used:
        return f"USED in {os.path.relpath(used[key], ROOT)}"
    drafted = used_keys([stage]).get(key)
    return f"USED in staging {drafted}" if drafted else "FREE"


def repository_keys() -> dict[str, str]:
    return used_keys([ROOT / name for name in SEARCHED])


def main(argv: list[str]) -> int:
    stage = Path(os.environ.get("KB_HELDOUT_STAGE", "/work/stage"))
    stage.mkdir(parents=True, exist_ok=True)
    if len(argv) >= 2 and argv[0] == "check":
        used = repository_keys()
        for url in argv[1:]:
            print(f"{verdict(url, stage, used)}\t{url}")
        return 0
    if len(argv) == 3 and argv[0] == "claim":
        url, tag = argv[1], argv[2]
        with (stage / "claims.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = verdict(url, stage, repository_keys())
            if state != "FREE":
                print(f"NOT CLAIMED ({state})\t{url}")
                return 1
            with (stage / "claims.tsv").open("a", encoding="utf-8") as out:
                out.write(f"{thread_key(url)}\t{tag}\n")
        print(f"CLAIMED by {tag}\t{url}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
