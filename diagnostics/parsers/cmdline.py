"""Celery worker command lines: pool, concurrency, queues, app.

Sample:

    celery -A proj worker -P prefork -c 4 -Q scan.vision,default --loglevel=INFO -O fair

Found on a line of their own (with its backslash-continued lines), in a
Dockerfile `CMD`, in a Kubernetes `command:`/`args:` list once joined, or in a
compose `command:` (a string or a list; a `sh -c "..."` script's words too).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from diagnostics import linear_re as re
from diagnostics.parsers.base import NotMine, Parser

WORKER = re.compile(r"\bcelery\b.{0,200}?\b(?:worker|multi +(?:start|restart))\b")
# the worker's embedded-beat flag, alone or with the events flag (click joins short flags)
BEAT_FLAGS = frozenset(("-B", "--beat", "-BE", "-EB"))
OPTIONS_WITH_VALUE = {
    "-A": "app",
    "--app": "app",
    "-P": "pool",
    "--pool": "pool",
    "-c": "concurrency",
    "--concurrency": "concurrency",
    "-Q": "queues",
    "--queues": "queues",
    "--prefetch-multiplier": "prefetch_multiplier",
    "-n": "hostname",
    "--hostname": "hostname",
    "--max-tasks-per-child": "max_tasks_per_child",
    "-l": "loglevel",
    "--loglevel": "loglevel",
    "--time-limit": "time_limit",
    "--soft-time-limit": "soft_time_limit",
    "-X": "exclude_queues",
    "--exclude-queues": "exclude_queues",
}


@dataclass
class WorkerCommand:
    """What one `celery worker` invocation asks for."""

    line: int
    app: str | None = None
    pool: str | None = None
    concurrency: int | None = None
    queues: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    # workers the line starts: `celery multi start 10 ...` or `... start w1 w2 ...` starts
    # several nodes, each with the options that follow; `celery worker` one
    nodes: int = 1
    # `-B` / `--beat`: the worker runs the beat scheduler inside itself (one per worker)
    beat: bool = False


def parse_worker_commands(lines: list[str]) -> list[WorkerCommand]:
    """Every worker command line in the paste (1-based line numbers).

    A shell line continued with a trailing backslash (a start script's
    `exec celery -A proj worker \\` then one option a line) is read whole.
    """
    out: list[WorkerCommand] = []
    for number, line in enumerate(lines, start=1):
        if (
            "celery" in line
            and ("worker" in line or "multi" in line)
            and WORKER.search(line[:4000])
        ):
            command = parse_worker_command(_continued(lines, number - 1)[:4000], number)
            if command is not None:
                out.append(command)
    return out


def _continued(lines: list[str], index: int) -> str:
    parts = [lines[index]]
    size = len(parts[0])
    while parts[-1].rstrip().endswith("\\") and index + 1 < len(lines) and size < 4000:
        parts[-1] = parts[-1].rstrip()[:-1]
        index += 1
        parts.append(lines[index])
        size += len(lines[index])
    return " ".join(parts)


def parse_worker_command(line: str, number: int = 1) -> WorkerCommand | None:
    """One line, or None when it does not hold a `celery ... worker` invocation."""
    cleaned = re.sub(r"[\[\],\"']", lambda m: " " if m.group() in "[]," else "", line)
    cleaned = cleaned if "-Q" not in line and "--queues" not in line else _keep_commas(line)
    cleaned = cleaned.replace("`", " ")  # Markdown code marks around a command in prose
    try:
        words = shlex.split(cleaned, posix=True)
    except ValueError:
        words = cleaned.split()
    nodes = _multi_nodes(words)
    if "worker" not in words and nodes is None:
        return None
    command = WorkerCommand(line=number, nodes=nodes or 1)
    _read_options(words, command)
    command.beat = any(word in BEAT_FLAGS for word in words)
    return command


def _multi_nodes(words: list[str]) -> int | None:
    """How many nodes `celery multi start|restart` starts: a count, or the names before
    the first option; None when the words are no `celery multi` start."""
    for index, word in enumerate(words[:-2]):
        if word == "multi" and words[index + 1] in ("start", "restart"):
            first = words[index + 2]
            if first.isdigit():
                return max(int(first), 1)
            names = 0
            for name in words[index + 2 :]:
                if name.startswith("-"):
                    break
                names += 1
            return max(names, 1)
    return None


def _keep_commas(line: str) -> str:
    """Queue lists are comma separated: only drop JSON-array punctuation around words."""
    line = re.sub(r"\"\s*,\s*\"", " ", line)
    return re.sub(r"[\[\]\"']", " ", line)


def _read_options(words: list[str], command: WorkerCommand) -> None:
    index = 0
    while index < len(words):
        word, value = words[index], None
        if "=" in word and word.startswith("--"):
            word, value = word.split("=", 1)
        elif word in OPTIONS_WITH_VALUE and index + 1 < len(words):
            value = words[index + 1]
            index += 1
        elif len(word) > 2 and word[:2] in ("-P", "-c", "-Q", "-A") and word[1] != "-":
            word, value = word[:2], word[2:]
        key = OPTIONS_WITH_VALUE.get(word)
        if key and value is not None:
            _apply(command, key, value.strip(","))
        index += 1


def _apply(command: WorkerCommand, key: str, value: str) -> None:
    command.options[key] = value
    if key == "app":
        command.app = value
    elif key == "pool":
        command.pool = value
    elif key == "concurrency" and value.isdigit():
        command.concurrency = int(value)
    elif key == "queues":
        command.queues = [q for q in value.split(",") if q]


def parse_command_text(text: str) -> list[WorkerCommand]:
    """The worker command lines of `text`; NotMine when there is none."""
    commands = parse_worker_commands(text.splitlines())
    if not commands:
        raise NotMine("no celery worker command")
    return commands


PARSER = Parser("worker-command", parse_command_text, wired=True, module=__name__)
