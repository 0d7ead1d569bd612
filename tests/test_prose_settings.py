"""Settings assigned in sentences (diagnostics/parsers/prose_settings.py) and the rules that read them."""

from __future__ import annotations

from diagnostics.parsers import parse_paste
from diagnostics.parsers.prose_settings import prose_config
from diagnostics.rules import run_rules


def test_inline_setting_in_a_sentence_gives_the_fact_with_its_line():
    fact = prose_config(
        [
            "Tasks vanish when a worker restarts.",
            "I set `CELERY_ACKS_LATE = True` and `worker_prefetch_multiplier=1` already.",
        ]
    )
    assert fact is not None
    assert fact.settings["task_acks_late"] is True
    assert fact.settings["worker_prefetch_multiplier"] == 1
    assert fact.prose_settings == {"task_acks_late": 2, "worker_prefetch_multiplier": 2}
    assert fact.setting_lines["worker_prefetch_multiplier"] == 2


def test_a_dict_value_and_a_line_that_is_only_the_assignment():
    fact = prose_config(
        [
            "with `broker_transport_options={'visibility_timeout': 3600}` set",
            "worker_max_tasks_per_child = 100",
        ]
    )
    assert fact.settings["broker_transport_options"] == {"visibility_timeout": 3600}
    assert fact.prose_settings["worker_max_tasks_per_child"] == 2


def test_a_setting_named_without_a_value_gives_nothing():
    assert (
        prose_config(["Is `task_acks_late` the reason? I read about worker_prefetch_multiplier"])
        is None
    )


def test_an_unknown_name_gives_nothing():
    assert prose_config(["I set `my_timeout = 30` and `foo_bar=1`"]) is None


def test_hostile_values_are_refused():
    nested = "[" * 30 + "1" + "]" * 30
    assert prose_config([f"`result_expires = {nested}`"]) is None
    assert prose_config(["`task_acks_late = __import__('os').system('id')`"]) is None
    assert prose_config([f"`result_expires = {'9' * 500}`"]) is None
    assert prose_config(["`task_acks_late = (lambda: True)()`"]) is None
    assert prose_config(["`result_expires = [[[[1]]]]`"]) is None


def test_a_config_region_wins_over_a_sentence():
    paste = "worker_prefetch_multiplier = 4\ntask_acks_late = False\n\nEarlier I tried `worker_prefetch_multiplier = 1`."
    config = parse_paste(paste).config
    assert config.settings["worker_prefetch_multiplier"] == 4
    assert "worker_prefetch_multiplier" not in config.prose_settings


def test_prose_settings_make_no_config_kind():
    parsed = parse_paste(
        "Our workers hang. We run with `worker_prefetch_multiplier = 0` in production."
    )
    assert "python-config" not in parsed.kinds
    assert parsed.config.prose_settings == {"worker_prefetch_multiplier": 1}


def test_a_rule_fires_from_prose_but_never_as_an_error():
    parsed = parse_paste(
        "Our workers hang. We run with `worker_prefetch_multiplier = 0` in production."
    )
    findings = [f for f in run_rules(parsed) if f.line == 1]
    assert findings, "the prefetch rule reads the sentence's setting"
    assert all(f.severity != "error" for f in findings)


def test_code_lines_the_config_parser_left_are_not_prose():
    lines = [
        "All children print the same value:",
        "```",
        "settings = dict(",
        "    BROKER_URL='redis://10.0.0.1:6379/11',",
        ")",
        "```",
        "    CELERYD_CONCURRENCY = 5",
        "CELERYD_CONCURRENCY = 5,",
    ]
    assert prose_config(lines) is None
