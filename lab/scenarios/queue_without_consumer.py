"""A task routed to `reports` while the only worker runs `-Q celery`: it stays PENDING."""

from __future__ import annotations

from lab import support

SLUG = "queue-without-consumer"
QUEUE = "reports"

APP = (
    support.APP_HEADER
    + f"""
app.conf.result_backend = "rpc://"
app.conf.task_routes = {{"labapp.build_report": {{"queue": "{QUEUE}"}}}}


@app.task(name="labapp.build_report")
def build_report(n):
    return f"report {{n}}"
"""
)

CALLER = """
import time

from labapp import build_report

result = build_report.delay(7)
time.sleep(5)
print(">>> result.state")
print(repr(result.state))
"""


def _worker_args(command: str) -> list[str]:
    """The options after `worker` in the entry's command, without its node name (-n)."""
    words = support.fix_commands(command, "celery")[-1]
    options = words[words.index("worker") + 1 :]
    if "-n" in options:
        at = options.index("-n")
        del options[at : at + 2]
    return options


def run(lab) -> None:
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo", "-Q", "celery")
    code, out = lab.python(CALLER, "caller")
    lab.expect(code == 0 and "'PENDING'" in out, f"the task did not stay PENDING:\n{out}")
    lab.expect("build_report[" not in worker.text(), "the -Q celery worker received the task")
    listing = support.rabbitmqctl(
        "list_queues", "-p", lab.vhost, "name", "messages_ready", "consumers"
    )
    lab.expect(f"{QUEUE}\t1\t0" in listing, f"no ready message without consumer:\n{listing}")
    lab.step("the task stays PENDING", f"{out.strip()}\n{listing.strip()}")
    paste = f"{out.strip()}\n$ rabbitmqctl list_queues name messages_ready consumers\n{listing}"
    # waiting is behaviour, not an error text: `possible` (lab/README.md)
    lab.diagnose(paste, "caller state and rabbitmqctl list_queues", confidence="possible")
    lab.check_finds(queues=[QUEUE])

    fix = lab.fix("workers", app="labapp", queue=QUEUE)
    fixed = lab.worker("labapp", "-P", "solo", *_worker_args(fix), name="fixed")
    fixed.wait_for(r"Task labapp\.build_report\[.*\] succeeded")
    lab.step("after the fix a worker on the queue ran the waiting task")
    lab.stop(worker)
    lab.check_clean(queues=[QUEUE])
