"""celery beat and a schedule file it cannot open: a garbage `celerybeat-schedule` in its
working directory is removed as corrupted (`db type could not be determined`), and a `-s`
path in a directory that does not exist stops beat (`beat raised exception ...
FileNotFoundError`). The entry's `beat -s <path>` in a writable directory of beat's own
starts cleanly, sends the due task and keeps its file up to date."""

from __future__ import annotations

from lab import support
from lab.support import APP_HEADER, segment

SLUG = "beat-schedule-file-error"

APP = (
    APP_HEADER
    + """
app.conf.beat_schedule = {
    "refresh-rates": {"task": "rates.tasks.refresh", "schedule": 2.0},
}


@app.task(name="rates.tasks.refresh")
def refresh():
    return "ok"
"""
)


def _beat(lab, name: str, *args: str):
    return lab.start(support.celery_args("-A", "proj", "beat", "-l", "INFO", *args), name)


def run(lab) -> None:
    lab.write("proj.py", APP)

    # 1. a file in beat's working directory that is no database (half-written, another dbm)
    (lab.dir / "celerybeat-schedule").write_bytes(b"\x00\x17not a dbm file\xff" * 64)
    beat = _beat(lab, "beat-corrupted")
    beat.wait_for(r"Removing corrupted schedule file", timeout=60)
    capture = "\n".join(
        [beat.wait_for(r"beat: Starting\.\.\.")]
        + [segment(beat.text(), r"Removing corrupted schedule file")]
    )
    lab.expect("db type could not be determined" in capture, capture)
    lab.diagnose(capture, "beat log: corrupted schedule file removed")
    beat.wait_for(r"Sending due task refresh-rates", timeout=30)
    lab.stop(beat)
    lab.step("beat removed the file, started over and sent the task")

    # 2. a schedule path whose directory does not exist: beat cannot recover
    missing = lab.dir / "nonexistent-dir" / "celerybeat-schedule"
    beat = _beat(lab, "beat-missing-dir", "-s", str(missing))
    line = beat.wait_for(r"beat raised exception", timeout=60)
    code = beat.exited(30)
    lab.expect(code is not None, "beat kept running without its schedule file")
    text = beat.text()
    capture = "\n".join([segment(text, r"Removing corrupted schedule file").splitlines()[0], line])
    lab.expect("FileNotFoundError" in line, line)
    lab.diagnose(capture, "beat log: schedule path in a missing directory")
    lab.step("beat exited", f"status {code}")

    fix = lab.fix("fix", app="proj", schedule_path=str(lab.dir / "beat" / "celerybeat-schedule"))
    argv = next(c for c in support.fix_commands(fix, "celery") if "beat" in c)[1:]
    (lab.dir / "beat").mkdir()  # the fix's own, writable directory (a volume in a container)
    beat = lab.start(support.celery_args(*argv), "beat-fixed")
    beat.wait_for(r"Sending due task refresh-rates", count=2, timeout=60)
    files = sorted(p.name for p in (lab.dir / "beat").iterdir())
    lab.stop(beat)
    text = beat.text()
    lab.expect("Removing corrupted" not in text and "raised exception" not in text, text[-2000:])
    lab.expect(files, "beat wrote no schedule file in its directory")
    lab.step("after the fix beat started cleanly and sent the task", ", ".join(files))
