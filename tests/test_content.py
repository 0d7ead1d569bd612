"""The shipped content: every promised slug is live, complete and linkable."""

import re
from pathlib import Path

import pytest

from kb.index import get_kb
from kb.render import PLACEHOLDER
from tests.corpus_loader import KNOWN_SLUGS, SEED_SLUGS

GUIDE_ANCHORS = [
    "push-not-polling",
    "acknowledgement",
    "solo-vs-concurrency-1",
    "autoretry-for",
    "dead-lettering",
    "priorities",
    "queue-order",
]


def test_every_promised_slug_is_an_entry():
    kb = get_kb()
    entries = {slug for slug, e in kb.entries.items() if e.kind == "entry"}
    assert sorted(KNOWN_SLUGS - entries) == []
    assert set(SEED_SLUGS) <= entries


@pytest.mark.parametrize("slug", sorted(KNOWN_SLUGS))
def test_entry_carries_its_own_error_text_as_a_strong_signature(slug):
    # Completeness (examples, Korean body, keywords, References) is the build's job:
    # kb.build.check_completeness, tested in test_kb_build.
    entry = get_kb().entries[slug]
    assert any(s.weight >= 0.8 for s in entry.signatures) or slug in {
        "fanout-shared-queue",
        "mixed-workload-queue",
        "cold-cache-after-restart",
        "prefork-cache-not-shared",
        "prefetch-starvation",
        "beat-duplicate-schedule",
        "priority-not-applied",
        "redis-visibility-timeout",
        # its error text ('relation "x" does not exist') also means "migrations not run"
        "wrong-database-url",
        # symptoms without an error text of their own (issue 11, content-b)
        "eta-tasks-memory",
        "gevent-blocking",
    }, "entries with an error text of their own carry it as a strong signature"


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_seed_entry_pages_have_their_anchors(client, slug):
    page = client.get(f"/kb/{slug}/").content.decode()
    for anchor in ("symptom", "cause", "fix"):
        assert f'<section lang="en" id="{anchor}"' in page


@pytest.mark.django_db
def test_api_lists_every_entry_and_the_guide(client):
    listed = {e["slug"]: e["kind"] for e in client.get("/api/entries").json()["entries"]}
    assert all(listed.get(slug) == "entry" for slug in KNOWN_SLUGS)
    assert listed.get("celery-worker-lifecycle") == "guide"


@pytest.mark.django_db
def test_worker_guide_sets_the_record_straight_with_stable_anchors(client):
    response = client.get("/guides/celery-worker-lifecycle/")
    assert response.status_code == 200
    page = response.content.decode()
    for anchor in GUIDE_ANCHORS:
        assert f'id="{anchor}"' in page, anchor


@pytest.mark.parametrize("slug", sorted(KNOWN_SLUGS))
def test_entry_has_a_korean_body_in_the_plain_written_style(slug):
    entry = get_kb().entries[slug]
    assert entry.has_korean_body
    # One style across the KB: the plain written style (~한다), not 합니다체.
    korean = f"{entry.summary_ko} {entry.body_text_ko}"
    formal = [word for word in korean.split() if is_formal_ending(word.rstrip(".,)!?"))]
    assert formal == []


def is_formal_ending(word: str) -> bool:
    """합니다체 endings: -ㅂ니다 / -습니다 (final consonant ㅂ before 니다), -세요, -십시오."""
    if word.endswith(("세요", "십시오")):
        return True
    if len(word) < 3 or not word.endswith("니다"):
        return False
    before = ord(word[-3]) - 0xAC00
    return 0 <= before < 11172 and before % 28 == 17  # ㅂ as the final consonant


def test_formal_ending_detection():
    assert all(
        map(is_formal_ending, ["설정합니다", "됩니다", "없습니다", "확인하세요", "보내십시오"])
    )
    assert not any(map(is_formal_ending, ["아니다", "설정한다", "된다", "없다", "세다"]))


# A placeholder shows the entry's default when the paste has no value for it, so a sentence
# must not state it as the reader's own ("7200 s here", "your current value is 3600 s").
_OWNED = re.compile(
    r"\bs here\b|\bhere it is\b|\bhere the\b|\bon this broker\b|\byour current value\b"
    r"|여기서는|이번에|현재 값은|이 브로커에서는",
    re.I,
)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def _sentences_with_placeholders(text: str):
    """The prose of a body (code blocks left out), sentence by sentence, that has a placeholder."""
    body = text.split("\n---\n", 1)[1] if text.startswith("---") else text
    fence, prose = False, []
    for line in body.split("\n"):
        if _FENCE.match(line):
            fence = not fence
        elif not fence:
            prose.append(line.strip())
    for paragraph in " ".join(prose).split("  "):
        for sentence in re.split(r"(?<=[.!?다])\s+", paragraph):
            if PLACEHOLDER.search(sentence):
                yield sentence


def test_no_sentence_states_a_default_as_the_readers_own_value():
    root = Path(__file__).resolve().parent.parent / "content"
    owned = [
        f"{path.name}: {line.strip()}"
        for path in sorted(root.rglob("*.md"))
        for line in _sentences_with_placeholders(path.read_text(encoding="utf-8"))
        if _OWNED.search(line)
    ]
    assert owned == []
