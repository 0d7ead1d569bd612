"""A small fixed KB (tests/fixtures/content) for tests of the platform itself.

Search and page tests use it rather than the real content, so that they test
the machinery and keep passing while entries are rewritten.
"""

from pathlib import Path

import pytest

from kb.build import build_index

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def fixture_kb(settings, tmp_path):
    """Point the site at an index built from the fixture content; yields the KnowledgeBase."""
    from kb.index import get_kb

    index = tmp_path / "fixture-index.sqlite3"
    result = build_index(FIXTURE_CONTENT, index)
    assert result.written, [str(e) for e in result.errors]
    settings.KB_INDEX_PATH = index
    return get_kb()
