"""Log lines: Celery worker, RabbitMQ server, Redis server, Kubernetes events.

Sample (one line of each):

    [2026-11-20 10:01:02,345: ERROR/MainProcess] consumer: Cannot connect to amqp://...
    2026-11-20 10:01:02.345 [error] <0.5141.0> closing AMQP connection <0.5141.0> (...)
    1:M 20 Nov 2026 10:01:02.345 # WARNING overcommit_memory is set to 0!
    Warning  BackOff  3m  kubelet  Back-off restarting failed container worker in pod w-1

The line kinds are facts shown with the diagnosis ("what did you paste") and
help rules that need to know whether a broker or a worker said something.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics import budget
from diagnostics import linear_re as re
from diagnostics.parsers.base import NotMine, Parser

KINDS = (
    ("celery", re.compile(r"\[\d{4}-\d\d-\d\d [\d:,]+: (?P<level>[A-Z]+)/[\w\-]+\]", needs=("[",))),
    (
        "rabbitmq",
        re.compile(
            r"^\s*(?:\d{4}-\d\d-\d\d[ T][\d:.+\-]+ )?\[(?P<level>debug|info|notice|warning|error|"
            r"critical)\] <\d+\.\d+\.\d+>",
            re.IGNORECASE,
            needs=("] <",),
        ),
    ),
    ("rabbitmq", re.compile(r"^=(?P<level>[A-Z]+) REPORT====", needs=(" REPORT====",))),
    (
        "redis",
        re.compile(r"^\d+:[CMSX] \d{1,2} \w{3} \d{4} [\d:.]+ (?P<level>[.\-*#])", needs=(":",)),
    ),
    (
        "kubernetes",
        re.compile(
            r"\b(?P<level>Normal|Warning)\s+(?:BackOff|OOMKilling|Killing|Failed|Unhealthy|"
            r"FailedScheduling|Evicted|Pulled|Created|Started|SuccessfulCreate)\b",
            needs=("Normal", "Warning"),
        ),
    ),
    (
        "kubernetes",
        re.compile(
            r"\b(?P<level>OOMKilled|CrashLoopBackOff)\b", needs=("OOMKilled", "CrashLoopBackOff")
        ),
    ),
)


@dataclass(frozen=True)
class LogLine:
    line: int
    source: str  # "celery" | "rabbitmq" | "redis" | "kubernetes"
    level: str


def classify_log_lines(lines: list[str]) -> list[LogLine]:
    """Log lines recognised in the paste, in order (at most one kind per line)."""
    out: list[LogLine] = []
    for number, line in enumerate(lines, start=1):
        if not number % 500:
            budget.checkpoint("log lines")
        head = line[:400]
        for source, pattern in KINDS:
            match = pattern.search(head)
            if match:
                out.append(LogLine(number, source, match["level"].lower()))
                break
    return out


# RabbitMQ's words when a connection asks for a vhost it does not have: the client's
# `(530) NOT_ALLOWED - vhost orders not found`, the server log's `vhost orders not found`
# (both seen on RabbitMQ 3.10.8)
VHOST_NOT_FOUND = re.compile(r"\bvhost (?P<vhost>\S{1,200}) not found\b", needs=("vhost ",))


def refused_vhosts(lines: list[str]) -> dict[str, int]:
    """vhost -> first line of the paste where RabbitMQ says it does not exist."""
    out: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if "vhost " in line:
            for match in VHOST_NOT_FOUND.finditer(line[:2000]):
                out.setdefault(match["vhost"].strip("'\"").rstrip(".,"), number)
    return out


def parse_log_text(text: str) -> list[LogLine]:
    """The recognised log lines of `text`; NotMine when there is none."""
    found = classify_log_lines(text.splitlines())
    if not found:
        raise NotMine("no log line")
    return found


PARSER = Parser("celery-log", parse_log_text, wired=True, module=__name__)
