"""A small fixed KB (tests/fixtures/content) for tests of the platform itself.

Search and page tests use it rather than the real content, so that they test
the machinery and keep passing while entries are rewritten.
"""

import shutil
from pathlib import Path

import pytest

from kb.build import FIXTURE_POLICY, build_index

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


def serve_index(settings, content: Path, index: Path):
    """Build `content` into `index`, point the site at it, return the KnowledgeBase."""
    from kb.index import get_kb

    result = build_index(content, index, FIXTURE_POLICY)
    assert result.written, [str(e) for e in result.errors]
    settings.KB_INDEX_PATH = index
    return get_kb()


@pytest.fixture(scope="module")
def shipped_kb(django_db_blocker):
    """The KB the site serves (the content's built index), fetched once per module: the
    tests of the ranking and its signals, whose weights are trained for these entries."""
    from kb.index import get_kb  # as serve_index above

    with django_db_blocker.unblock():
        return get_kb()


@pytest.fixture
def fixture_kb(settings, tmp_path):
    """Point the site at an index built from the fixture content; yields the KnowledgeBase."""
    return serve_index(settings, FIXTURE_CONTENT, tmp_path / "fixture-index.sqlite3")


@pytest.fixture
def edited_kb(settings, tmp_path):
    """`edited_kb(slug, old, new)`: the fixture KB with one text replaced in one entry."""

    def build(slug: str, old: str, new: str):
        content = tmp_path / "edited-content"
        shutil.copytree(FIXTURE_CONTENT, content)
        path = content / "entries" / f"{slug}.md"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))
        return serve_index(settings, content, tmp_path / "edited-index.sqlite3")

    return build


def copy_fixture_content(tmp_path: Path) -> Path:
    """A private copy of the fixture KB's content folder, for a test to edit."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target
