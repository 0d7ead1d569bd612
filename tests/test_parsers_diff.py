"""Diff pastes: the code inside a unified diff's hunks reads as code, at the paste's lines."""

from __future__ import annotations

import pytest

from diagnostics.parsers import parse_paste
from diagnostics.rules import run_rules

SETTINGS_DIFF = """\
Fixed by renaming the setting, see the PR:

diff --git a/proj/settings.py b/proj/settings.py
index 3b18e51..a1c2d3e 100644
--- a/proj/settings.py
+++ b/proj/settings.py
@@ -10,6 +10,6 @@ INSTALLED_APPS = [
 CELERY_TASK_ACKS_LATE = True
-BROKER_URL = 'amqp://app:secret@rabbitmq:5672/app'
+CELERY_BROKER_URL = 'amqp://app:secret@rabbitmq:5672/app'
 CELERY_RESULT_BACKEND = 'redis://redis:6379/0'
"""


def _rules(paste: str) -> dict[str, int | None]:
    return {f.rule: f.line for f in run_rules(parse_paste(paste))}


def test_settings_diff_is_read_as_python_at_the_paste_lines():
    parsed = parse_paste(SETTINGS_DIFF)
    assert parsed.diff_sides == {9: "-", 10: "+"}
    assert parsed.lines[8] == "BROKER_URL = 'amqp://app:secret@rabbitmq:5672/app'"
    assert parsed.config is not None and parsed.config.acks_late is True
    assert parsed.config.old_names == ["BROKER_URL"]
    assert _rules(SETTINGS_DIFF)["old-setting-names"] == 9  # the removed line itself


def test_renaming_in_a_diff_is_not_a_mix_of_old_and_new_names():
    rename = "@@ -1,2 +1,2 @@\n-BROKER_URL = 'amqp://rabbit//'\n+broker_url = 'amqp://rabbit//'\n"
    rules = _rules(rename)
    assert "old-and-new-setting-names" not in rules and rules["old-setting-names"] == 2
    # both on one side: that side really had both, and Celery refuses to start
    mixed = "@@ -1,2 +1,3 @@\n-BROKER_URL = 'x'\n+BROKER_URL = 'y'\n+task_acks_late = True\n"
    assert _rules(mixed)["old-and-new-setting-names"] == 3


def test_headerless_hunk_of_code_and_one_after_a_file_name():
    paste = (
        "-CELERYD_PREFETCH_MULTIPLIER = 0\n"
        "+CELERY_WORKER_PREFETCH_MULTIPLIER = 1\n"
        " CELERY_TASK_ACKS_LATE = True\n"
    )
    parsed = parse_paste(paste)
    assert parsed.diff_sides == {1: "-", 2: "+"} and parsed.config.acks_late is True
    assert _rules(paste)["old-setting-names"] == 1
    fenced = "In the PR:\n```diff\n-CELERYD_CONCURRENCY = 8\n```\n"
    assert parse_paste(fenced).diff_sides == {3: "-"} and _rules(fenced)["old-setting-names"] == 3
    script = "docker/start-worker.sh\n+ exec celery -A app worker -c 2 -Q mail,default\n"
    parsed = parse_paste(script)
    assert parsed.lines[1] == " exec celery -A app worker -c 2 -Q mail,default"
    [worker] = parsed.worker_commands
    assert (worker.line, worker.concurrency, worker.queues) == (2, 2, ["mail", "default"])


def test_worker_start_script_diff_gives_the_worker_command():
    paste = (
        "--- a/bin/worker.sh\n"
        "+++ b/bin/worker.sh\n"
        "@@ -1,3 +1,3 @@\n"
        " #!/bin/sh\n"
        "-exec celery -A app worker -P prefork -c 8\n"
        "+exec celery -A app worker -P prefork -c 2 --prefetch-multiplier=1\n"
    )
    parsed = parse_paste(paste)
    assert [(w.line, w.concurrency) for w in parsed.worker_commands] == [(5, 8), (6, 2)]
    assert parsed.config.settings["worker_prefetch_multiplier"] == 1


def test_compose_hunk_under_services_is_read_as_yaml():
    paste = (
        "--- a/docker-compose.yml\n"
        "+++ b/docker-compose.yml\n"
        "@@ -4,5 +4,5 @@ services:\n"
        "   worker:\n"
        "     image: app:latest\n"
        "-    command: celery -A app worker -Q default\n"
        "+    command: celery -A app worker -Q default,mail -c 4\n"
    )
    parsed = parse_paste(paste)
    [doc] = parsed.yaml_docs
    assert doc.kind == "compose" and doc.line == 3
    assert doc.data["services"]["worker"]["command"].endswith("-c 4")
    assert parsed.config.worker_queues == ["default", "mail"]


def test_hunk_inside_a_call_is_read_under_the_line_git_names():
    paste = (
        "--- a/proj/celery.py\n"
        "+++ b/proj/celery.py\n"
        "@@ -8,6 +8,6 @@ app.conf.update(\n"
        '     task_serializer="json",\n'
        "-    worker_prefetch_multiplier=4,\n"
        "+    worker_prefetch_multiplier=0,\n"
        " )\n"
    )
    parsed = parse_paste(paste)
    assert parsed.lines[2] == "app.conf.update("
    assert parsed.config.settings["worker_prefetch_multiplier"] == 0
    assert _rules(paste)["prefetch-multiplier-unlimited"] == 6
    # the hunk starts at column 0: the context line is no parent, the header stays
    flat = "@@ -1,2 +1,2 @@ import os\n-BROKER_URL = 'x'\n+broker_url = 'x'\n"
    assert parse_paste(flat).lines[0].startswith("@@")


def test_compose_hunk_starting_at_a_service_is_read_under_services():
    paste = (
        "diff --git a/docker-compose.yml b/docker-compose.yml\n"
        "--- a/docker-compose.yml\n"
        "+++ b/docker-compose.yml\n"
        "@@ -12,6 +12,6 @@\n"
        "   flower:\n"
        "     image: mher/flower\n"
        "-    command: celery --broker=amqp://guest:guest@rabbitmq:5672// flower\n"
        "+    command: celery --broker=amqp://guest:guest@localhost:5672// flower\n"
        "   rabbitmq:\n"
        "     image: rabbitmq:3-management\n"
    )
    parsed = parse_paste(paste)
    assert [s.name for s in parsed.services] == ["flower", "rabbitmq"]
    # a key on both sides is read as YAML reads a repeated key: the later (added) value
    assert _rules(paste)["broker-localhost-in-container"] == 8
    # not a compose file: the header stays a header
    other = parse_paste(paste.replace("docker-compose.yml", "values.yaml"))
    assert other.services == [] and other.lines[3] == "@@ -12,6 +12,6 @@"


@pytest.mark.parametrize(
    "paste",
    [
        # a YAML list at column 0, after a file name
        "queues.yml\n- name: default\n  durable: true\n- name: mail\n  durable: false\n",
        # Markdown bullets, both kinds
        "Things I tried:\n- restarting the worker\n+ pinning kombu\n- raising the timeout\n",
        # log lines and the worker banner start with dashes
        " -------------- celery@host v5.7.0 (recovery)\n--- ***** -----\n"
        "-- ******* ---- Linux-6.1.0-x86_64 2026-11-29 10:00:00\n"
        "- *** --- * --- \n- ** ---------- [config]\n"
        "- ** ---------- .> transport:   amqp://guest:**@localhost:5672//\n",
        "-1 is returned when\n- the queue is empty\n",
        # a plain fence around a list
        "```\n- name: default\n+ name: mail\n```\n",
    ],
)
def test_lines_that_only_start_with_dashes_are_not_a_diff(paste):
    parsed = parse_paste(paste)
    assert parsed.diff_sides == {}
    assert parsed.lines[: paste.count("\n")] == paste.split("\n")[: paste.count("\n")]
