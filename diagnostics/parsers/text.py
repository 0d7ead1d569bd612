"""Physical lines to logical lines: ANSI codes out, container prefixes off, wraps joined.

Sample (a docker-compose log, coloured, with an error wrapped mid-sentence):

    \x1b[36mworker_1  |\x1b[0m [2026-11-20 10:01:02,345: ERROR/MainProcess] consumer:
    worker_1  | Cannot connect to amqp://guest:**@rabbitmq:5672//: [Errno 111]
    worker_1  | Connection refused.

Signatures are searched in every physical line and in short windows of
consecutive lines joined by a space (a wrapped error text is found whole),
each window reported at its first line. Windows never start a continuation
at a line that clearly begins a new record (a log prefix, a traceback frame,
a YAML key at column 0), so unrelated lines are not glued together.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics import linear_re as re

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
# "worker_1  | ", "celeryworker_1  | ", "pod/worker-abc ", k8s "worker-5d9f7 worker " is too loose.
CONTAINER_PREFIX = re.compile(r"^[A-Za-z0-9][\w.\-]{0,62}\s+\|\s?")
# journald (`Nov 29 10:22:33 host celery[1234]: `, `-o short-precise` with microseconds,
# `-o short-iso` with `2026-11-29T10:22:33+0000`), Kubernetes' CRI log files
# (`2026-11-29T10:22:33.06Z stderr F `), Heroku (`2026-11-29T10:22:33.06+00:00 app[worker.1]: `),
# `kubectl logs --prefix` (`[pod/name/container] `) and a bare RFC 3339 time stamp
# (`docker logs -t`, `kubectl logs --timestamps`)
_ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)"
LOG_PREFIX = re.compile(
    r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? [\w.\-]+ [\w.@/\-]+(?:\[\d+\])?: "
    rf"|{_ISO_TIME} (?:stdout|stderr) [FP] "
    rf"|{_ISO_TIME} (?:app|heroku)\[[\w.\-]+\]: "
    rf"|{_ISO_TIME} [\w.\-]+ [\w.@/\-]+\[\d+\]: "
    rf"|{_ISO_TIME} "
    r"|\[pod/[\w.\-]+/[\w.\-]+\] )"
)
RECORD_START = re.compile(
    r"^(?:\s*\[\d{4}-\d\d-\d\d|\d{4}-\d\d-\d\d[ T]|\s*Traceback \(|\s*File \"|\s+at |"
    r"[A-Za-z_][\w\-]*:\s|[A-Za-z_][\w.]*(?:Error|Exception|Warning)\b|\s*[-#*]\s|=[A-Z]+ REPORT)"
)
WINDOW = 3  # longest wrap joined (physical lines)
MAX_LINE = 20_000  # characters of one line considered by the parsers


@dataclass(frozen=True)
class LogicalLine:
    """A searchable unit of the paste; `number` is the 1-based first physical line."""

    number: int
    text: str
    span: int = 1  # physical lines joined


def clean_lines(text: str) -> list[str]:
    """Physical lines with ANSI codes and container, journald and Kubernetes log prefixes
    removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = ANSI.sub("", text).split("\n")
    lines = [
        CONTAINER_PREFIX.sub("", line, count=1) if "|" in line[:80] else line for line in lines
    ]
    return [_strip_log_prefix(line) for line in lines]


def _strip_log_prefix(line: str) -> str:
    first = line[:1]
    # journald lines start with a month name, CRI, Heroku and time-stamped lines with a year,
    # kubectl's with [pod/
    if (
        line.startswith("[pod/")
        or (
            ("A" <= first <= "Z" or "0" <= first <= "9")
            and (": " in line[:120] or " stdout " in line[:40] or " stderr " in line[:40])
        )
        or ("0" <= first <= "9" and line[4:5] == "-" and line[10:11] == "T")
    ):
        return LOG_PREFIX.sub("", line, count=1)
    return line


def logical_lines(lines: list[str]) -> list[LogicalLine]:
    """Every non-blank physical line, plus joined windows of up to WINDOW wrapped lines."""
    out: list[LogicalLine] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        out.append(LogicalLine(index + 1, line[:MAX_LINE]))
        joined = line.rstrip()
        for span in range(2, WINDOW + 1):
            nxt = index + span - 1
            if nxt >= len(lines) or not _continues(lines[nxt]):
                break
            joined = f"{joined} {lines[nxt].strip()}"
            out.append(LogicalLine(index + 1, joined[: MAX_LINE * 2], span))
    return out


def _continues(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not RECORD_START.match(line)


def bracket_depth(text: str, opening: str, closing: str) -> int:
    """The deepest nesting of the `opening` brackets (an unmatched closer counts as none;
    quotes are not looked at, so the answer may over-estimate, which is the safe side)."""
    depth = deepest = 0
    for char in text:
        if char in opening:
            depth += 1
            deepest = max(deepest, depth)
        elif char in closing:
            depth = max(depth - 1, 0)
    return deepest
