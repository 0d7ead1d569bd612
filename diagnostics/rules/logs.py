"""Rules over worker log lines.

One task id that is received, or succeeds, more than once is one message
delivered more than once. Beat sends each run with a new id, so repeats of the
same id come from redelivery: on the Redis transport, a countdown or ETA longer
than `visibility_timeout` (the usual case); elsewhere a lost connection or
consumer with `acks_late`. Sample:

    [2017-11-20 09:55:34,470: INFO/ForkPoolWorker-2] Task tasks.x[bd08ab85-...] succeeded in 33.8s: None
    [2017-11-20 09:55:34,481: INFO/ForkPoolWorker-2] Task tasks.x[bd08ab85-...] succeeded in 0.01s: None
"""

from __future__ import annotations

from collections import Counter

from diagnostics import linear_re as re
from diagnostics.facts import Finding
from diagnostics.parsers import ParsedPaste
from diagnostics.rules.base import RuleSpec

SAME_TASK_ID_REPEATED = RuleSpec(
    "same-task-id-repeated",
    "redis-visibility-timeout",
    ("task", "task_id", "times", "event", "on_redis", "with_eta"),
)
SPECS = (SAME_TASK_ID_REPEATED,)
TASK_ID = (
    r"(?P<task>[\w.:-]+)\[(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\]"
)
EVENTS = {
    "received": re.compile(r"Received task: " + TASK_ID, needs=("Received task: ",)),
    "succeeded": re.compile(r"Task " + TASK_ID + r" succeeded in", needs=(" succeeded in",)),
}
REDIS_HINT = re.compile(
    r"redis(?:s)?://|transport:\s*redis|\bRedis\b broker|broker_url[^\n]{0,40}redis", re.IGNORECASE
)
ETA_HINT = re.compile(r"\beta[:=]\s*\[?\d{4}-|\bcountdown\b", re.IGNORECASE)


def judge(parsed: ParsedPaste) -> list[Finding]:
    repeats = _repeated_ids(parsed.lines)
    if not repeats:
        return []
    event, task_id, task, count, line = repeats[0]
    text = "\n".join(parsed.lines[:2000])
    on_redis = bool(REDIS_HINT.search(text))
    with_eta = bool(ETA_HINT.search(text))
    return [
        SAME_TASK_ID_REPEATED.finding(
            "warning" if on_redis else "info",
            line,
            task=task,
            task_id=task_id,
            times=count,
            event=event,
            on_redis=on_redis,
            with_eta=with_eta,
        )
    ]


def _repeated_ids(lines: list[str]) -> list[tuple[str, str, str, int, int]]:
    found = []
    for event, pattern in EVENTS.items():
        counts: Counter[str] = Counter()
        first: dict[str, tuple[str, int]] = {}
        for number, line in enumerate(lines[:20000], start=1):
            match = pattern.search(line[:2000])
            if match:
                counts[match.group("id")] += 1
                first.setdefault(match.group("id"), (match.group("task"), number))
        for task_id, count in counts.most_common(1):
            if count > 1:
                found.append((event, task_id, first[task_id][0], count, first[task_id][1]))
    return sorted(found, key=lambda item: -item[3])
