"""Issue 10: the setting signal (diagnostics/setting_names.py, `setting` in signals.FEATURES)."""

from __future__ import annotations

import sqlite3

import pytest

from diagnostics.learned_rank import load_model, unlifted
from diagnostics.parsers import parse_paste
from diagnostics.setting_names import (
    OLD,
    canonical,
    entry_setting_names,
    names_in_text,
    paste_setting_names,
    write_setting_table,
)
from diagnostics.signals import FEATURES, SettingIndex, paste_signals
from kb.loader import Entry

CONFIG = """\
CELERYD_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
app.conf.broker_transport_options = {"visibility_timeout": 43200}
"""


@pytest.fixture(scope="module")
def kb(shipped_kb):
    return shipped_kb


def test_spellings_map_to_the_new_name_through_celerys_own_table():
    assert canonical("CELERYD_PREFETCH_MULTIPLIER") == ["worker_prefetch_multiplier", OLD]
    assert canonical("CELERY_RESULT_BACKEND") == ["result_backend"]  # Django's namespace
    assert canonical("result_backend") == ["result_backend"]
    assert canonical("--max-memory-per-child") == ["worker_max_memory_per_child"]
    assert canonical("VISIBILITY_TIMEOUT") == ["visibility_timeout"]  # kombu transport option
    assert canonical("--queues") == []  # -Q does not declare task_queues
    assert canonical("some_variable") == []


def test_paste_setting_names_come_from_the_parsed_config():
    parsed = parse_paste(CONFIG)
    assert parsed.config is not None
    names = paste_setting_names(parsed, scan_text=False)
    assert {"worker_prefetch_multiplier", "task_acks_late", "visibility_timeout", OLD} <= names
    assert "broker_transport_options" in names


def test_worker_options_and_names_in_prose_count():
    parsed = parse_paste("celery -A proj worker --prefetch-multiplier=1 -c 2")
    assert "worker_prefetch_multiplier" in paste_setting_names(parsed, scan_text=False)
    found = names_in_text("we set CELERY_BROKER_POOL_LIMIT=0 and --max-memory-per-child")
    assert set(found) == {"broker_pool_limit", "worker_max_memory_per_child"}


def test_entry_settings_are_collected_from_its_text_and_code_spans():
    entry = Entry(
        slug="demo",
        title="Tasks run twice (visibility_timeout)",
        summary="Raise visibility_timeout in broker_transport_options.",
        section_templates=[
            {
                "id": "fix",
                "title": "Fix",
                "html": "<p>Set <code>timezone</code> and "
                "<code>CELERYD_PREFETCH_MULTIPLIER</code>; the word timezone alone is not one.</p>",
            }
        ],
    )
    names = entry_setting_names(entry)
    assert names["visibility_timeout"] == 2
    assert names["broker_transport_options"] == 1
    assert names["worker_prefetch_multiplier"] == 1 and names[OLD] == 1
    assert names["timezone"] == 1  # the code span, not the plain word


def test_setting_index_scores_the_entry_that_names_the_pasted_setting():
    entries = [
        Entry(slug="vis", title="visibility_timeout visibility_timeout broker_url"),
        Entry(slug="url", title="broker_url"),
        Entry(slug="other", title="nothing here"),
    ]
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE signal_fts (slug TEXT)")  # only its row count is read
    connection.executemany("INSERT INTO signal_fts VALUES (?)", [(e.slug,) for e in entries])
    write_setting_table(connection, entries)
    scores = SettingIndex(connection).scores({"visibility_timeout", "broker_url"})
    assert scores["vis"] > scores["url"] > 0
    assert "other" not in scores


def test_the_setting_feature_is_computed_for_a_pasted_config(kb):
    parsed = parse_paste(CONFIG)
    signals = paste_signals(kb, parsed, [], [])
    assert "redis-visibility-timeout" in signals.candidates
    features = dict(zip(FEATURES, signals.features("redis-visibility-timeout"), strict=True))
    assert features["setting"] > 0
    assert all(
        c.setting == 0 for c in paste_signals(kb, parse_paste("hello"), [], []).candidates.values()
    )


def test_the_high_gate_drops_only_the_setting_weight():
    model = load_model()
    assert model is not None
    index = FEATURES.index("setting")
    gated = unlifted(model.weights)
    assert gated[index] == 0.0
    assert [w for i, w in enumerate(gated) if i != index] == [
        w for i, w in enumerate(model.weights) if i != index
    ]
