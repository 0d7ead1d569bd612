"""A chord on the Redis result backend whose header has one failing task: the worker logs
`Chord '...' raised: ChordError(...)`, the callback never runs and the caller's get() fails.
With the entry's `.on_error(report_failure.s())` the same chord calls the error callback
once, with the ChordError, and still never the callback."""

from __future__ import annotations

import re

from lab.support import APP_HEADER, segment

SLUG = "chord-never-finishes"
REDIS = True

APP = (
    APP_HEADER
    + """
app.conf.result_backend = os.environ["LAB_REDIS_URL"]


@app.task(name="reports.process")
def process(n):
    if n == 2:
        raise ValueError(f"bad input {n}")
    return n


@app.task(name="reports.summarize")
def summarize(values):
    return sum(values)


@app.task(name="reports.report_failure")
def report_failure(request, exc, traceback):
    # a new-style errback: called in the worker with (request, exc, traceback)
    print(f"REPORT_FAILURE {exc!r}")
    return "reported"
"""
)

HEADER = """\
from labapp import process, summarize, report_failure

header_tasks = [process.s(n) for n in range(3)]
"""

BROKEN_CALL = (
    HEADER
    + """\
from celery import chord

result = chord(header_tasks)(summarize.s())
print("CALLBACK", result.id, flush=True)
try:
    result.get(timeout=20)
except Exception as exc:
    print("GET_RAISED", repr(exc), flush=True)
    raise SystemExit(1)
"""
)


def run(lab) -> None:
    lab.use_redis()
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-c", "2")
    code, out = lab.python(BROKEN_CALL, "caller")
    callback_id = re.search(r"CALLBACK (\S+)", out).group(1)
    raised = re.search(r"GET_RAISED (.*)", out)
    lab.expect(code == 1 and raised, f"the chord's get() did not fail:\n{out}")
    lab.step("the caller's get() raised", raised.group(1))
    worker.wait_for(r"Chord '[0-9a-f-]{36}' raised: ChordError", timeout=60)
    text = worker.text()
    # the failed task's log line (without its traceback) and the chord's record, in log order
    parts = [
        segment(text, r"Task reports\.process\[.*\] raised unexpected").splitlines()[0],
        segment(text, r"Chord '[0-9a-f-]{36}' raised: ChordError"),
    ]
    capture = "\n".join(sorted(parts, key=text.index))
    lab.diagnose(capture, "worker log: a header task failed, ChordError")
    lab.expect(
        f"reports.summarize[{callback_id}] received" not in worker.text(),
        "the callback ran although a header task failed",
    )
    lab.step("the callback never ran", callback_id)

    fix = lab.fix("fix")
    code, out = lab.python(HEADER + fix, "caller_fixed")
    lab.expect(code == 0, f"the entry's on_error chord did not start:\n{out}")
    worker.wait_for(r"Chord '[0-9a-f-]{36}' raised: ChordError", count=2, timeout=60)
    line = worker.wait_for(r"REPORT_FAILURE", timeout=30)
    lab.expect("ChordError" in line, f"the error callback did not get the ChordError: {line}")
    runs = worker.text().count("REPORT_FAILURE")
    lab.expect(runs == 1, f"the error callback ran {runs} times")
    lab.expect("chord_unlock" not in worker.text(), "chord_unlock retries appeared")
    lab.expect("Task reports.summarize[" not in worker.text(), "the callback ran after all")
    lab.step("after the fix the error callback ran once with the ChordError", line.strip()[:200])
