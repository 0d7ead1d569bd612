"""Two beat processes send every due task twice; the entry's single beat sends it once."""

from __future__ import annotations

import re
import time

from lab import support
from lab.support import APP_HEADER

SLUG = "beat-duplicate-schedule"

APP = (
    APP_HEADER
    + """
app.conf.beat_schedule = {
    "nightly-report": {"task": "reports.tasks.nightly_report", "schedule": 2.0},
}


@app.task(name="reports.tasks.nightly_report")
def nightly_report():
    return "report"
"""
)


def _beat(lab, name: str, argv: list[str]):
    schedule = str(lab.dir / f"{name}-schedule")
    return lab.start(support.celery_args(*argv, "-s", schedule), name)


def run(lab) -> None:
    lab.write("proj.py", APP)
    worker = lab.worker("proj", "-P", "solo")
    beats = [_beat(lab, f"beat-{n}", ["-A", "proj", "beat", "-l", "info"]) for n in (1, 2)]
    for beat in beats:
        beat.wait_for(r"Sending due task nightly-report", count=2, timeout=20)
    for beat in beats:
        lab.stop(beat)
    sent = [
        line for beat in beats for line in beat.text().splitlines() if "Sending due task" in line
    ]
    received = [line for line in worker.text().splitlines() if "received" in line]
    lab.expect(len(received) >= 4, f"expected at least 4 runs from 2 beats, got {len(received)}")
    lab.step("two beats: each due task sent twice", f"{len(sent)} sends, {len(received)} runs")
    lab.diagnose(
        "\n".join(sorted(sent)[:4] + received[:4])
        + "\nthe periodic task runs twice every time: two celery beat processes are running",
        "beat and worker logs, with the user's sentence",
        confidence="possible",  # 'Sending due task' lines are normal on their own
    )

    fix = lab.fix("fix")
    argv = next(c for c in support.fix_commands(fix, "celery") if "beat" in c)[1:]
    mark = len(re.findall("received", worker.text()))
    beat = _beat(lab, "beat-only", argv)
    beat.wait_for(r"Sending due task nightly-report", count=3, timeout=20)
    time.sleep(1)
    lab.stop(beat)
    sends = beat.text().count("Sending due task")
    runs = len(re.findall("received", worker.text())) - mark
    lab.expect(runs == sends, f"one beat sent {sends} times but the task ran {runs} times")
    lab.step("after the fix one beat: one run per due time", f"{sends} sends, {runs} runs")
