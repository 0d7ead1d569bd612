"""The held-out collection tools (scripts/heldout/relabel.py): blind relabelling by several
readers, and keeping a draft only when every reader agrees with its collector."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def relabel(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "heldout_relabel", ROOT / "scripts" / "heldout" / "relabel.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "STAGE", tmp_path)
    return module


def draft(stage: Path, label: str, name: str, evidence: str) -> None:
    folder = stage / "heldout20" / label
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(
        f"source: https://github.com/example/{name}/issues/1\n"
        f"expect: {label}\n"
        "kind: prose\n"
        f"evidence: {evidence}\n"
        "note: collector's note, never shown\n"
        "---\n"
        f"the paste of {name}\n",
        encoding="utf-8",
    )


def answer(folder: Path, rows: list[tuple[str, str]]) -> None:
    lines = [f"{pid}\t{label}\tbecause" for pid, label in rows]
    (folder / "answers-r1.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_stage_makes_the_folders_and_entries_list_collectors_use(relabel, tmp_path):
    relabel.stage("heldout21", "queries_real18")
    assert all((tmp_path / f).is_dir() for f in ("heldout21", "queries_real18", "notes"))
    entries = (tmp_path / "ENTRIES.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split(" | ")[0] for line in entries) == sorted(relabel.entry_slugs())
    assert all(" | " in line and not line.endswith(" | ") for line in entries)


def test_every_reader_gets_the_drafts_blind_and_the_entries_list(relabel, tmp_path, capsys):
    draft(tmp_path, "redis-visibility-timeout", "a", "raising redis-visibility-timeout fixed it")
    draft(tmp_path, "_none", "b", "a library bug")
    relabel.split("heldout20", 1, 2)

    first = (tmp_path / "relabel" / "relabel-r1.md").read_text(encoding="utf-8")
    second = (tmp_path / "relabel-b" / "relabel-r1.md").read_text(encoding="utf-8")
    assert first == second and "## p001" in first and "## p002" in first
    # the label, in the header or named in the evidence, and the note stay hidden
    assert "redis-visibility-timeout" not in first and "expect" not in first
    assert "collector's note" not in first and "raising [an entry] fixed it" in first
    for folder in ("relabel", "relabel-b"):
        entries = (tmp_path / folder / "ENTRIES.txt").read_text(encoding="utf-8").splitlines()
        assert any(line.startswith("redis-visibility-timeout | ") for line in entries)
        assert len(entries) == len(relabel.entry_slugs())
    assert not (tmp_path / "relabel-c").exists()
    assert "2 new drafts in 1 parts for 2 reader(s)" in capsys.readouterr().out


def test_a_draft_is_kept_only_when_every_reader_agrees(relabel, tmp_path, capsys):
    # ids follow the drafts' paths: p001 _none/b, p002 redis-visibility-timeout/a, p003 task-...
    draft(tmp_path, "redis-visibility-timeout", "a", "x")
    draft(tmp_path, "_none", "b", "y")
    draft(tmp_path, "task-time-limit", "c", "z")
    relabel.split("heldout20", 1, 2)
    answer(tmp_path / "relabel", [("p001", "_none"), ("p002", "redis-visibility-timeout")])
    # the second reader disputes a; nobody answered c
    answer(tmp_path / "relabel-b", [("p001", "_none"), ("p002", "unclear")])

    kept = relabel.compare("heldout20")
    assert [pid for pid, _, _ in kept] == ["p001"]
    out = capsys.readouterr().out
    assert "DISPUTED p002" in out and "relabel-b unclear" in out
    assert "DISPUTED p003" in out and "(none)" in out
    assert "agreed 1 of 3 (2 reader(s))" in out

    # with one reader folder only, that reader's answers decide
    (tmp_path / "relabel-b" / "answers-r1.tsv").unlink()
    (tmp_path / "relabel-b" / "relabel-r1.md").unlink()
    (tmp_path / "relabel-b" / "ENTRIES.txt").unlink()
    (tmp_path / "relabel-b").rmdir()
    assert [pid for pid, _, _ in relabel.compare("heldout20")] == ["p001", "p002"]
