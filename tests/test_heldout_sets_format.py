"""The sealed held-out sets from the fifth on are well-formed and use no thread seen before.

These tests guard the evaluation data only; they never run the engine (see each set's
README). A paste whose thread also appears in the tuning corpus, an earlier held-out set,
either set of real-title queries or anything cited in content/ would make the sealed figure
optimistic, so overlap fails.

Each set was collected in parts by several helpers (entries a-f, g-q, r-z, a third of the
`_none` pastes each, then a config top-up); `test_full_set_thresholds` checks a whole set.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.corpus_loader import load_corpus
from tests.test_heldout4_format import (
    CITED_URL_RE,
    assert_pastes_well_formed,
    assert_threads_new,
    kind_counts,
    read_tsv,
    thread_key,
)

TESTS = Path(__file__).parent
# the paste sets in the order they were collected; each sealed set may use none of the
# threads of the sets before it
ORDER = (
    "corpus",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
    "heldout13",
    "heldout14",
    "heldout15",
    "heldout16",
    "heldout17",
    "heldout18",
    "heldout19",
    "heldout20",
)
SETS = {name: ORDER[: ORDER.index(name)] for name in ORDER[5:]}
# the real-title sets collected before each set (queries_real3 holds heldout6's own titles)
EARLIER_QUERIES = ("queries_real", "queries_real2")
# each set's own real titles (queries_real3 holds heldout6's), and so the title sets
# collected before each set
TITLES_OF = {f"heldout{n}": f"queries_real{n - 3}" for n in range(6, 21)}
QUERIES_BEFORE = {
    name: (*EARLIER_QUERIES, *(TITLES_OF[s] for s in ORDER[: ORDER.index(name)] if s in TITLES_OF))
    for name in TITLES_OF
}
# A whole set's minimum counts. heldout7 has fewer configs: collected after 6 sets had used
# the public threads, five collectors found 130 unused threads with a stated cause, 16 of them
# config (tests/heldout7/README.md); a smaller honest share beats a padded one.
MINIMUM = {"pastes": 120, "prose": 35, "config": 25, "log+traceback": 40}
# heldout8 has fewer configs: two collectors found 65 unused threads with a stated cause in
# the fifth session, two more added 54 at the start of the sixth (tests/heldout8/README.md).
MINIMUM_OF = {
    "heldout7": {"pastes": 120, "prose": 35, "config": 16, "log+traceback": 40},
    "heldout8": {"pastes": 119, "prose": 55, "config": 12, "log+traceback": 46},
    # heldout9: five collectors found 79 unused threads with a stated cause in the last
    # ninety minutes of the sixth session, three more 43 at the start of the seventh, before
    # its engine work; 11 of them configs (tests/heldout9/README.md)
    "heldout9": {"pastes": 122, "prose": 55, "config": 11, "log+traceback": 56},
    # heldout10: 58 pastes from four collectors at the end of the seventh session, grown to
    # 129 by eight more at the start of the eighth, before its engine work, and checked by a
    # blind second labelling; 15 of them configs (tests/heldout10/README.md)
    "heldout10": {"pastes": 129, "prose": 80, "config": 15, "log+traceback": 34},
    # heldout11: 85 pastes from nine collectors at the start of the ninth session, grown to
    # 134 by eight more at the start of the tenth, before its engine work, each round checked
    # by a blind second labelling; 10 of them configs: the config threads left unused have
    # no visible cause (tests/heldout11/README.md)
    "heldout11": {"pastes": 134, "prose": 81, "config": 10, "log+traceback": 43},
    # heldout12 (sealed): 38 pastes from eight collectors at the end of the tenth session,
    # after its sealed run, grown to 126 by nine more at the start of the eleventh, before its
    # engine work, each round checked by a blind second labelling; 15 of them configs
    # (tests/heldout12/README.md)
    "heldout12": {"pastes": 126, "prose": 76, "config": 15, "log+traceback": 35},
    # heldout13 (scored once at the end of the thirteenth session, spent): 25 pastes from
    # four collectors in the eleventh session, after heldout12's sealed run, grown to 120 by ten more at the start of the twelfth, before its
    # engine work, each round checked by a blind second labelling; 13 of them configs
    # (tests/heldout13/README.md)
    "heldout13": {"pastes": 120, "prose": 70, "config": 13, "log+traceback": 37},
    # heldout14 (scored once at the end of the fourteenth session, spent): 13 pastes from
    # one collector at the end of the twelfth session, with heldout13 complete and unscored; 105 more from eight collectors in the
    # thirteenth, each round checked by a blind second labelling (13 disputed taken out); 3
    # more at the start of the fourteenth (2 disputed taken out), before its one run
    # (tests/heldout14/README.md)
    "heldout14": {"pastes": 121, "prose": 78, "config": 9, "log+traceback": 34},
    # heldout15 (scored once at the end of the fifteenth session): 13 pastes from three
    # collectors in the fourteenth session, 108 more from sixteen in the fifteenth, each round checked by a blind second labelling
    # (2 unclear and 7 disputed taken out); 23 of them configs (tests/heldout15/README.md)
    "heldout15": {"pastes": 121, "prose": 62, "config": 23, "log+traceback": 36},
    # heldout16 (scored once at the end of the sixteenth session): 110 pastes from fifteen
    # collectors at the start of the sixteenth
    # session, while its engine work was measured on spent sets only, each round checked by a
    # blind second labelling (14 disputed and 3 vendor articles taken out); the public ground
    # gave 110, not 120: most threads with a visible cause are used (tests/heldout16/README.md)
    "heldout16": {"pastes": 110, "prose": 81, "config": 9, "log+traceback": 20},
    # heldout17 (scored once at the end of the seventeenth session): 114 pastes from fourteen
    # collectors in three rounds at the start of that session, before its engine work, each
    # round checked by a blind second labelling (13 of 127 disputed, taken out); about 970
    # look-ups found no more unused threads with a visible cause (tests/heldout17/README.md)
    "heldout17": {"pastes": 114, "prose": 49, "config": 22, "log+traceback": 43},
    # heldout18 (scored once, spent): 87 pastes from ten collectors in two rounds at the start of the
    # eighteenth session and 43 from twelve more in two rounds at the start of the twentieth,
    # each before that session's engine work, checked by a blind second labelling (10 of 140
    # disputed, taken out); scored once (tests/heldout18/README.md)
    "heldout18": {"pastes": 130, "prose": 68, "config": 25, "log+traceback": 37},
    # heldout19 (sealed): 26 pastes from eleven collectors at the start of the twenty-first
    # session, 51 from nineteen more at the start of the twenty-second and 48 from twelve
    # more at the start of the twenty-fourth, each before that session's engine work, checked
    # by a blind second labelling (10 of 135 disputed, taken out); about 2,150 look-ups in
    # all: the public threads whose cause the store shows are nearly all in earlier sets, so
    # fewer configs and logs than MINIMUM asks (tests/heldout19/README.md)
    "heldout19": {"pastes": 125, "prose": 73, "config": 24, "log+traceback": 28},
    # heldout20 (sealed, complete, not yet scored): 8 pastes from four collectors at the end of the
    # twenty-fourth session (about 215 look-ups), after its engine work, and 37 from
    # fourteen more in three rounds at the start of the twenty-fifth (about 850 look-ups),
    # before any engine change of that session, each round checked by a blind second
    # labelling (49 of 58 agreed); the four agreed near-misses first held back in
    # notes-held-back.md were added as the labelled pastes grew; 33 more from thirteen
    # collectors in three rounds of the twenty-seventh session (about 800 look-ups), kept
    # only where two blind second labellings both agreed (33 of 40); 26 more from twelve
    # collectors in the twenty-eighth session (about 950 look-ups), the same double agreement
    # (26 of 29); 17 more from eleven collectors in the twenty-ninth session (about 475
    # look-ups), the same double agreement (17 of 19) (tests/heldout20/README.md)
    "heldout20": {"pastes": 125, "prose": 75, "config": 24, "log+traceback": 26},
}


@pytest.fixture(scope="module", params=sorted(SETS))
def sealed(request):
    name = request.param
    return name, load_corpus(TESTS / name)


def used_before(name: str) -> set[str]:
    """Threads of the sets collected before `name`, the title queries and content/."""
    urls = [item.source for earlier in SETS[name] for item in load_corpus(TESTS / earlier)]
    for folder in QUERIES_BEFORE.get(name, EARLIER_QUERIES):
        for path in sorted((TESTS / folder).glob("*.tsv")):
            urls += [row["source"] for row in read_tsv(path)[1]]
    for page in sorted((TESTS.parent / "content").rglob("*.md")):
        urls += CITED_URL_RE.findall(page.read_text(encoding="utf-8"))
    return {thread_key(url) for url in urls}


def test_every_paste_loads_with_kind_evidence_and_topic(sealed):
    name, items = sealed
    assert_pastes_well_formed(items, TESTS / name)


def test_no_thread_twice_and_none_from_earlier_sets(sealed):
    name, items = sealed
    assert_threads_new(items, used_before(name))


def test_full_set_thresholds(sealed):
    """Thresholds of a whole set (all its parts merged)."""
    name, items = sealed
    counts = kind_counts(items)
    minimum = MINIMUM_OF.get(name, MINIMUM)
    assert {name: n for name, n in counts.items() if n < minimum[name]} == {}
    share_none = sum(item.expect is None for item in items) / len(items)
    assert 0.10 <= share_none <= 0.16


QUERY_COLUMNS = ["query", "expected", "source", "language"]


@pytest.mark.parametrize(
    ("folder", "pastes", "min_rows"),
    [
        ("queries_real3", "heldout6", 60),
        ("queries_real4", "heldout7", 75),
        ("queries_real5", "heldout8", 115),
        ("queries_real6", "heldout9", 106),
        ("queries_real7", "heldout10", 63),
        ("queries_real8", "heldout11", 80),
        ("queries_real9", "heldout12", 84),
        ("queries_real10", "heldout13", 71),
        ("queries_real11", "heldout14", 94),
        ("queries_real12", "heldout15", 86),
        ("queries_real13", "heldout16", 98),
        ("queries_real14", "heldout17", 110),
        ("queries_real15", "heldout18", 127),
        ("queries_real16", "heldout19", 125),
        ("queries_real17", "heldout20", 125),
    ],
)
def test_real_titles_carry_their_paste_label(folder, pastes, min_rows):
    """A title set: the real titles of a paste set's threads, each with its paste's label.

    Every `*.tsv` of the folder, as bench/search_quality.py reads them."""
    rows = []
    for path in sorted((TESTS / folder).glob("*.tsv")):
        columns, part = read_tsv(path)
        assert columns == QUERY_COLUMNS, path.name
        rows += part
    assert len(rows) >= min_rows
    labels = {thread_key(item.source): item.label for item in load_corpus(TESTS / pastes)}
    keys = [thread_key(row["source"] or "") for row in rows]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert [k for k in keys if k not in labels] == []
    for row, key in zip(rows, keys, strict=True):
        assert row["query"] and row["query"].strip() == row["query"], row
        assert row["expected"] == labels[key], row
        assert len(row["language"] or "") == 2 and row["language"].isalpha(), row
