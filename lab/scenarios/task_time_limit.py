"""A task over its hard limit is killed; `control time_limit` does not change that (issue 12,
item 1); the entry's own per-task limits do."""

from __future__ import annotations

from lab.support import APP_HEADER, segment

SLUG = "task-time-limit"
TASK = "reports.build_monthly"

APP = (
    APP_HEADER
    + """
import time

app.conf.task_time_limit = 2   # a global limit set for short tasks


# DECORATOR
def build_monthly(seconds):
    time.sleep(seconds)
    return "done"
"""
)

CALLER = f"""
from labapp import app

print(app.send_task("{TASK}", args=[3]).id)
"""


def run(lab) -> None:
    lab.write("labapp.py", APP.replace("# DECORATOR", f'@app.task(name="{TASK}")'))
    worker = lab.worker("labapp", "-c", "1")
    lab.python(CALLER, "caller")
    worker.wait_for(r"Hard time limit \(2s\) exceeded")
    worker.wait_for(r"exited with 'signal 9 \(SIGKILL\)'", timeout=15)
    text = worker.text()
    start = text.index(segment(text, r"Task handler raised error: TimeLimitExceeded"))
    capture = "\n".join(text[start:].splitlines()[:12])
    lab.diagnose(capture, "worker log: hard time limit")

    # The command the entry used to give: answered "time limits set successfully" ...
    out = lab.celery("labapp", "control", "time_limit", TASK, "10", "20")
    lab.expect("time limits set successfully" in out, f"unexpected reply:\n{out}")
    worker.wait_for("New time limits for tasks of type")
    lab.python(CALLER, "caller_after_control")
    # ... yet the next task is still killed at the old hard limit.
    worker.wait_for(r"Hard time limit \(2s\) exceeded", count=2, timeout=15)
    lab.step("control time_limit did not change the running worker", "killed again at 2s")

    fix = lab.fix("fix", task=TASK)
    decorator = next(line for line in fix.splitlines() if line.startswith("@app.task"))
    lab.stop(worker)
    lab.write("labapp.py", APP.replace("# DECORATOR", decorator))
    worker = lab.worker("labapp", "-c", "1", name="fixed")
    lab.python(CALLER, "caller_fixed")
    worker.wait_for(rf"Task {TASK}\[.*\] succeeded in 3\.\d+s", timeout=15)
    lab.expect("Hard time limit" not in worker.text(), "killed after the fix")
    lab.step("after the fix the 3 s task succeeded")
