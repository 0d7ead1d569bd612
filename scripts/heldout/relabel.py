"""Blind second labelling of a round's drafts: split them for relabellers, then compare.

    python scripts/heldout/relabel.py split SET N      # STAGE/relabel/relabel-r1.md .. rN.md
    python scripts/heldout/relabel.py compare SET      # reads STAGE/relabel/answers-r*.tsv
    python scripts/heldout/relabel.py assemble SET TITLES  # agreed drafts into tests/

A relabeller sees each draft's thread, kind, evidence and paste, not its label, its note or
its topic (scripts/heldout/RELABEL.md). `compare` prints the agreement and each disagreement;
`assemble` copies the agreed drafts to tests/SET/<label>/, their title rows to
tests/TITLES/ext-TAG.tsv and the collectors' notes to tests/SET/, leaving the disputed out.
STAGE is $KB_HELDOUT_STAGE (default /work/stage).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.corpus_loader import entry_slugs, split_header  # noqa: E402
from tests.test_heldout4_format import thread_key  # noqa: E402

STAGE = Path(os.environ.get("KB_HELDOUT_STAGE", "/work/stage"))


def known_ids() -> dict[str, str]:
    """Draft path (relative to STAGE) -> id, as STAGE/relabel/key.tsv gives them."""
    key = STAGE / "relabel" / "key.tsv"
    if not key.exists():
        return {}
    rows = (line.split("\t") for line in key.read_text(encoding="utf-8").splitlines())
    return {rel: pid for pid, rel, _ in rows}


def drafts(name: str) -> list[tuple[str, Path, dict[str, str], str]]:
    """(id, path, header, paste) of every draft. Ids are kept in STAGE/relabel/key.tsv once
    given, so drafts filed after a first split get new ids and the answers still match."""
    known = known_ids()
    number = max((int(pid[1:]) for pid in known.values()), default=0)
    out = []
    for path in sorted((STAGE / name).glob("*/*.txt")):
        rel = path.relative_to(STAGE)
        if str(rel) not in known:
            number += 1
            known[str(rel)] = f"p{number:03d}"
        header, paste = split_header(path.read_text(encoding="utf-8"), rel)
        out.append((known[str(rel)], path, header, paste))
    return sorted(out, key=lambda item: item[0])


def split(name: str, parts: int) -> None:
    """Write the drafts not yet in key.tsv into `parts` new relabel-rK.md files."""
    hide = re.compile("|".join(re.escape(s) for s in sorted(entry_slugs(), key=len, reverse=True)))
    out = STAGE / "relabel"
    out.mkdir(exist_ok=True)
    given = set(known_ids().values())
    items = [item for item in drafts(name) if item[0] not in given]
    first = len(list(out.glob("relabel-r*.md")))
    with (out / "key.tsv").open("a", encoding="utf-8") as handle:
        for pid, path, header, _ in items:
            handle.write(f"{pid}\t{path.relative_to(STAGE)}\t{header.get('expect', '')}\n")
    for part in range(parts):
        tag = f"r{first + part + 1}"
        lines = [f"# Drafts to label (part {tag}); instructions: scripts/heldout/RELABEL.md", ""]
        for pid, _, header, paste in items[part::parts]:
            evidence = hide.sub("[an entry]", header.get("evidence", ""))
            lines += [
                f"## {pid}",
                f"- thread: {header.get('source', '')}",
                f"- kind: {header.get('kind', '')}",
                f"- evidence: {evidence}",
                "",
                "```",
                paste.strip("\n"),
                "```",
                "",
            ]
        (out / f"relabel-{tag}.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(items)} new drafts in {parts} parts under {out}")


def answers() -> dict[str, tuple[str, str]]:
    found = {}
    for path in sorted((STAGE / "relabel").glob("answers-r*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = line.split("\t")
            if len(row) >= 2 and row[0].startswith("p"):
                found[row[0]] = (row[1].strip(), row[2] if len(row) > 2 else "")
    return found


def compare(name: str) -> list[tuple[str, Path, dict[str, str]]]:
    given = answers()
    items = drafts(name)
    agreed = []
    for pid, path, header, _ in items:
        first = header.get("expect", "")
        second, why = given.get(pid, ("(none)", ""))
        if first == second:
            agreed.append((pid, path, header))
        else:
            print(
                f"DISPUTED {pid} {path.relative_to(STAGE)}: first {first}, second {second} ({why})"
            )
    print(f"agreed {len(agreed)} of {len(items)}")
    return agreed


def assemble(name: str, titles: str) -> None:
    agreed = compare(name)
    keep = {thread_key(header["source"]) for _, _, header in agreed}
    target = ROOT / "tests" / name
    for _, path, _ in agreed:
        dest = target / path.parent.name / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    (ROOT / "tests" / titles).mkdir(parents=True, exist_ok=True)
    for tsv in sorted((STAGE / titles).glob("*.tsv")):
        lines = tsv.read_text(encoding="utf-8").splitlines()
        rows = [line for line in lines[1:] if thread_key(line.split("\t")[2]) in keep]
        if rows:
            text = "\n".join([lines[0], *rows]) + "\n"
            (ROOT / "tests" / titles / tsv.name).write_text(text, encoding="utf-8")
    for notes in sorted((STAGE / "notes").glob("notes-*.md")):
        shutil.copyfile(notes, target / notes.name)
    print(f"assembled {len(agreed)} pastes into {target}")


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "split":
        split(argv[1], int(argv[2]))
    elif len(argv) == 2 and argv[0] == "compare":
        compare(argv[1])
    elif len(argv) == 3 and argv[0] == "assemble":
        assemble(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
