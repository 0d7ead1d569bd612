"""Blind second labelling of a round's drafts: split them for relabellers, then compare.

    python scripts/heldout/relabel.py stage SET TITLES  # the folders and ENTRIES.txt collectors use
    python scripts/heldout/relabel.py split SET N [READERS]  # STAGE/relabel/relabel-r1.md .. rN.md
    python scripts/heldout/relabel.py compare SET      # reads every reader's answers-r*.tsv
    python scripts/heldout/relabel.py assemble SET TITLES  # agreed drafts into tests/

A relabeller sees each draft's thread, kind, evidence and paste, not its label, its note or
its topic (scripts/heldout/RELABEL.md). With READERS 2 or more (two blind readers is the
rule since the twenty-seventh session) every part is written for each reader: the first
reads STAGE/relabel/, the others STAGE/relabel-b/, relabel-c/, ...; each folder also gets
ENTRIES.txt (slug | title of every entry), so a reader needs nothing else from the stage.
`compare` keeps a draft only when every reader's answer equals the collector's label (a
reader folder with no answer for a draft disputes it) and prints each disagreement;
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


def reader_folders() -> list[Path]:
    """STAGE/relabel (the first reader) and each other reader's relabel-b, relabel-c, ..."""
    others = sorted(p for p in STAGE.glob("relabel-?") if p.is_dir())
    return [STAGE / "relabel", *others]


def entries_list() -> str:
    """`slug | title` of every entry, one a line (what a relabeller chooses from)."""
    lines = []
    for slug in sorted(entry_slugs()):
        text = (ROOT / "content" / "entries" / f"{slug}.md").read_text(encoding="utf-8")
        title = re.search(r"^title:\s*(.*)$", text, re.MULTILINE)
        lines.append(f"{slug} | {title.group(1).strip() if title else slug}")
    return "\n".join(lines) + "\n"


def stage(name: str, titles: str) -> None:
    """A round's staging folder: SET/, TITLES/, notes/ and ENTRIES.txt (COLLECT.md)."""
    for folder in (name, titles, "notes"):
        (STAGE / folder).mkdir(parents=True, exist_ok=True)
    (STAGE / "ENTRIES.txt").write_text(entries_list(), encoding="utf-8")
    print(f"staging folder {STAGE}: {name}/, {titles}/, notes/, ENTRIES.txt")


def split(name: str, parts: int, readers: int = 1) -> None:
    """Write the drafts not yet in key.tsv into `parts` new relabel-rK.md files, a copy of
    each in every other reader's folder (relabel-b, relabel-c, ...)."""
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
    folders = [out] + [STAGE / f"relabel-{chr(ord('a') + n)}" for n in range(1, readers)]
    for folder in folders:
        folder.mkdir(exist_ok=True)
        (folder / "ENTRIES.txt").write_text(entries_list(), encoding="utf-8")
        for part in range(parts):
            tag = f"r{first + part + 1}"
            if folder != out:
                shutil.copyfile(out / f"relabel-{tag}.md", folder / f"relabel-{tag}.md")
    print(f"{len(items)} new drafts in {parts} parts for {readers} reader(s) under {STAGE}")


def answers() -> dict[str, dict[str, tuple[str, str]]]:
    """Draft id -> {reader folder's name: (label, reason)} over every reader's answers."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for folder in reader_folders():
        for path in sorted(folder.glob("answers-r*.tsv")):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = line.split("\t")
                if len(row) >= 2 and row[0].startswith("p"):
                    why = row[2] if len(row) > 2 else ""
                    found.setdefault(row[0], {})[folder.name] = (row[1].strip(), why)
    return found


def compare(name: str) -> list[tuple[str, Path, dict[str, str]]]:
    """The drafts every reader labelled as their collector did; prints the others."""
    given = answers()
    readers = [folder.name for folder in reader_folders() if folder.is_dir()]
    items = drafts(name)
    agreed = []
    for pid, path, header, _ in items:
        first = header.get("expect", "")
        seconds = {reader: given.get(pid, {}).get(reader, ("(none)", "")) for reader in readers}
        if all(label == first for label, _ in seconds.values()):
            agreed.append((pid, path, header))
        else:
            said = "; ".join(f"{r} {label} ({why})" for r, (label, why) in seconds.items())
            print(f"DISPUTED {pid} {path.relative_to(STAGE)}: first {first}, {said}")
    print(f"agreed {len(agreed)} of {len(items)} ({len(readers)} reader(s))")
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
    if len(argv) == 3 and argv[0] == "stage":
        stage(argv[1], argv[2])
    elif len(argv) in (3, 4) and argv[0] == "split":
        split(argv[1], int(argv[2]), int(argv[3]) if len(argv) == 4 else 1)
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
