"""3,000 tasks with `countdown=3600` (a 5 KB argument each) in the queue, one worker `-c 2`
(prefetch 8): the worker raises its prefetch by one for every ETA task it holds, so its
unacknowledged count climbs far past 8 and `inspect scheduled` lists them all while its
main process grows. With the entry's `worker_eta_task_limit` (100 here) the same worker
stops at 100 and the rest stay ready in the broker.

Kept small on purpose: the symptom is the unbounded reservation, shown in counts and the
main process's RSS, not an OOM kill."""

from __future__ import annotations

import re
import time
from pathlib import Path

from lab import support
from lab.support import CONFIGURED_APP_HEADER

SLUG = "eta-tasks-memory"
TASKS = 3000
LIMIT = "100"
PAST = 150  # unacked well past the prefetch (8) and the limit the fix sets

APP = (
    CONFIGURED_APP_HEADER
    + """

@app.task(name="reminders.tasks.send_reminder")
def send_reminder(n, payload):
    return n
"""
)

PUBLISH = f"""
from labapp import app, send_reminder

with app.producer_or_acquire() as producer:
    for n in range({TASKS}):
        send_reminder.apply_async((n, "y" * 5000), countdown=3600, producer=producer)
print("published")
"""


def _counts(lab) -> tuple[str, int, int]:
    """`rabbitmqctl list_queues` as the user runs it; (output, ready, unacked) of `celery`."""
    out = support.rabbitmqctl(
        "list_queues", "-p", lab.vhost, "name", "messages_ready", "messages_unacknowledged", "-q"
    )
    row = re.search(r"^celery\t(\d+)\t(\d+)$", out, re.M)
    return out, (int(row.group(1)) if row else 0), (int(row.group(2)) if row else 0)


def _rss_mb(proc) -> float:
    """Resident memory of the worker's main process, in MB."""
    status = Path(f"/proc/{proc.pid}/status").read_text(encoding="ascii")
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def _held_past(lab, threshold: int, timeout: float) -> tuple[str, int, float]:
    """Wait until the worker holds more than `threshold` unacked messages; (output, unacked,
    seconds it took)."""
    started = time.monotonic()
    while True:
        out, _, unacked = _counts(lab)
        if unacked > threshold:
            return out, unacked, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise support.LabError(f"unacked stayed at {unacked} for {timeout}s:\n{out}")
        time.sleep(1)


def _scheduled(lab) -> tuple[str, int]:
    out = lab.celery("labapp", "inspect", "scheduled", "--timeout", "20", timeout=90)
    return out, len(re.findall(r"^\s+\* \{'eta'", out, re.M))


def run(lab) -> None:
    lab.write("labapp.py", APP)
    lab.write("celeryconfig.py", "")
    code, out = lab.python(PUBLISH, "publisher", timeout=180)
    lab.expect(code == 0 and "published" in out, out)
    worker = lab.worker("labapp", "-c", "2")
    rss_start = _rss_mb(worker)
    listing, unacked, took = _held_past(lab, PAST, timeout=240)
    scheduled, held = _scheduled(lab)
    lab.expect(held > PAST, f"inspect scheduled lists {held} tasks:\n{scheduled[:1500]}")
    _, _, later = _counts(lab)
    rss = _rss_mb(worker)
    lab.step(
        "the worker holds far more ETA tasks than its prefetch of 8",
        f"unacked {unacked} after {took:.0f}s, {later} later; inspect scheduled lists {held}; "
        f"main process RSS {rss_start:.0f} -> {rss:.0f} MB",
    )
    items = [x for x in scheduled.splitlines() if x.strip().startswith("* {'eta'")]
    capture = (
        f"$ rabbitmqctl list_queues -p {lab.vhost} name messages_ready messages_unacknowledged\n"
        + listing.strip()
        + "\n$ celery -A labapp inspect scheduled\n"
        + scheduled.splitlines()[0]
        + "\n"
        + "\n".join(items[:1])
        + f"\nWorker memory keeps growing while these ETA tasks wait ({rss_start:.0f} MB"
        f" at start, {rss:.0f} MB now)."
    )
    # first, but `possible` (0.995 on 2026-12-03, `high` or not depending on the argument's
    # length in the pasted item): counts, an ETA listing and a sentence about memory show
    # behaviour, not an error only this entry explains
    lab.diagnose(
        capture,
        "list_queues and inspect scheduled, with the user's sentence",
        confidence="possible",
    )

    fix = lab.fix("fix", eta_limit=LIMIT)
    lab.stop(worker)
    lab.write("celeryconfig.py", fix + "\n")
    worker = lab.worker("labapp", "-c", "2", name="fixed")
    # the broken worker passed PAST within `took` seconds; the fixed one is watched as long
    # (and at least 20 s) and must reach the limit and never pass it
    deadline = time.monotonic() + max(took, 20) + 5
    highest = 0
    while time.monotonic() < deadline or highest < int(LIMIT):
        out, ready, unacked = _counts(lab)
        highest = max(highest, unacked)
        lab.expect(highest <= int(LIMIT), f"the fixed worker holds {unacked}:\n{out}")
        lab.expect(time.monotonic() < deadline + 120, f"never reached the limit:\n{out}")
        time.sleep(1)
    scheduled, held = _scheduled(lab)
    lab.expect(held <= int(LIMIT), f"inspect scheduled lists {held} tasks after the fix")
    lab.step(
        f"with worker_eta_task_limit = {LIMIT} the worker stops at the limit",
        f"celery ready {ready}, unacked {unacked}; inspect scheduled lists {held}",
    )
