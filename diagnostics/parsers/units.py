"""Process managers' program sections that run a Celery worker: supervisord and systemd.

    >>> [(s.name, s.source, s.grace_seconds) for s in worker_units([
    ...     "[program:worker]",
    ...     "command=celery -A proj worker --time-limit=600",
    ...     "stopwaitsecs = 60",
    ... ])]
    [('worker', 'supervisor', 60.0)]

Each becomes a `ServiceFact` (network "host": a process on the machine) with its `worker`
and the time the manager waits between SIGTERM and SIGKILL: supervisord's `stopwaitsecs`
(default 10 s), systemd's `TimeoutStopSec` (or `TimeoutSec`; default 90 s); None when the
section does not state it (the rule applies the default).
"""

from __future__ import annotations

from diagnostics import linear_re as re
from diagnostics.facts import ServiceFact
from diagnostics.parsers.cmdline import parse_worker_command

SECTION = re.compile(r"^\s*\[(program:[^\]]+|Service)\]\s*$")
KEY = re.compile(r"^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$")
# systemd time spans: "600", "600s", "10min", "1min 30s", "2h"
SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?|m|min|minutes?|h|hr|hours?)?\b")
GRACE_KEYS = {"supervisor": ("stopwaitsecs",), "systemd": ("TimeoutStopSec", "TimeoutSec")}
COMMAND_KEYS = {"supervisor": ("command",), "systemd": ("ExecStart",)}


def worker_units(lines: list[str]) -> list[ServiceFact]:
    """Every supervisord `[program:x]` / systemd `[Service]` section starting a worker."""
    units: list[ServiceFact] = []
    current: dict | None = None
    for number, line in enumerate(lines, 1):
        section = SECTION.match(line)
        if section:
            _close(current, units)
            name = section.group(1)
            source = "systemd" if name == "Service" else "supervisor"
            label = "systemd [Service]" if source == "systemd" else name.split(":", 1)[-1]
            current = {"name": label, "source": source, "line": number}
            continue
        if current is None:
            continue
        if line.lstrip().startswith("[") and line.rstrip().endswith("]"):
            _close(current, units)
            current = None
            continue
        key = KEY.match(line)
        if not key:
            continue
        name, value = key.group(1), key.group(2)
        source = current["source"]
        if name in COMMAND_KEYS[source] and "command" not in current:
            command = parse_worker_command(value, number)
            if command is not None:
                current["command"] = command
        elif name in GRACE_KEYS[source] and "grace" not in current:
            seconds = span_seconds(value)
            if seconds is not None:
                current["grace"], current["grace_line"] = seconds, number
    _close(current, units)
    return units


def _close(current: dict | None, units: list[ServiceFact]) -> None:
    if current is None or "command" not in current:
        return
    command = current["command"]
    limit = span_seconds(command.options.get("time_limit", "") or "")
    units.append(
        ServiceFact(
            name=current["name"],
            source=current["source"],
            network="host",
            line=current["line"],
            worker={
                "node_name": None,
                "time_limit": limit,
                "line": command.line,
                "beat": command.beat,
            },
            grace_seconds=current.get("grace"),
            grace_line=current.get("grace_line"),
        )
    )


def span_seconds(text: str) -> float | None:
    """Seconds of "600", "600s", "10min", "1min 30s"; None for anything else ("infinity").

    >>> span_seconds("600"), span_seconds("10min"), span_seconds("1min 30s"), span_seconds("infinity")
    (600.0, 600.0, 90.0, None)
    """
    text = text.strip()
    total, pos = 0.0, 0
    for match in SPAN.finditer(text):
        if text[pos : match.start()].strip():
            return None
        total += float(match.group(1)) * _factor((match.group(2) or "s").lower())
        pos = match.end()
    return total if pos and not text[pos:].strip() else None


def _factor(unit: str) -> float:
    if unit == "ms":
        return 0.001
    if unit == "m" or unit.startswith("min"):
        return 60.0
    if unit.startswith("h"):
        return 3600.0
    return 1.0
