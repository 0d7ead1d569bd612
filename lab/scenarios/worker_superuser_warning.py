"""A worker started as root (the lab runs as root): Celery's SecurityWarning at every start; with
pickle in `accept_content` the refusal and exit status 1; `C_FORCE_ROOT` letting that pickle
worker start after all (the check the entry says not to switch off).

The fix is a worker whose process is not uid 0. It runs here in a user namespace
(`unshare --user --map-user=65534`): the process sees uid 65534, which is what Celery's check
reads, while its file access stays the lab's, so an interpreter under /root still loads. The
same worker accepting pickle starts too, and a task reports the uid it ran with.

The entry's `--uid` command is run as written: where the user it names can read the interpreter's
standard library (checked first with `setpriv`), the worker must start without the warning and run a task as
that user; where it cannot (a pyenv under /root, mode 700, as on the machines this lab runs
on), it must die after the switch with the import error the entry quotes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import celery

from lab import support
from lab.support import APP_HEADER, NotReproducible, segment

SLUG = "worker-superuser-warning"
NOBODY = "65534"

APP = (
    APP_HEADER
    + """
import pathlib

HERE = pathlib.Path(__file__).parent


@app.task(name="ops.whoami")
def whoami(tag):
    (HERE / f"uid-{tag}").write_text(str(os.getuid()))
"""
)

PICKLE_APP = APP + '\napp.conf.accept_content = ["pickle", "json"]\n'

SEND = APP + '\nwhoami.delay("TAG")\n'

# `python -c` for the system interpreter: the lab's PYTHONPATH is the scenario folder, so the
# project's site-packages go in here, before the system's own dist-packages
SYSTEM_LAUNCHER = """\
import sys
spot = next((i for i, p in enumerate(sys.path) if "-packages" in p), len(sys.path))
sys.path.insert(spot, "SITE")
from celery.__main__ import main
main()
"""

WARNING = "You're running the worker with superuser privileges"
REFUSAL = "Running a worker with superuser privileges when the"


def _ran_as(lab, tag: str, worker) -> str:
    """Send ops.whoami and return the uid the task wrote."""
    code, out = lab.python(SEND.replace("TAG", tag), f"send_{tag}")
    lab.expect(code == 0, f"sending the task failed:\n{out}")
    marker = lab.dir / f"uid-{tag}"
    lab.wait_for_file(marker, f"the task sent to the {tag} worker never ran", worker)
    return marker.read_text()


def run(lab) -> None:
    if os.geteuid() != 0:
        raise NotReproducible("the lab does not run as root here")
    for tool in ("unshare", "setpriv"):
        if shutil.which(tool) is None:
            raise NotReproducible(f"{tool} (util-linux) is not installed here")
    lab.write("labapp.py", APP)
    lab.write("labpickle.py", PICKLE_APP)

    # 1. root, JSON only: the warning, and the worker runs
    worker = lab.worker("labapp", "-P", "solo", name="root")
    capture = segment(worker.text(), "SecurityWarning: " + WARNING)
    lab.expect("uid=0 euid=0" in capture, f"no root user information in:\n{capture}")
    lab.diagnose(capture, "worker stderr: SecurityWarning as root")
    lab.expect(_ran_as(lab, "root", worker) == "0", "the root worker's task did not run as uid 0")
    lab.stop(worker)
    lab.step("a root worker with JSON starts, warns, and runs tasks")

    # 2. root, accepting pickle: refused before the worker starts
    refused = lab.worker("labpickle", "-P", "solo", name="refused", ready=False)
    status = refused.exited(60)
    lab.expect(status == 1, f"the root pickle worker exited with {status}:\n{refused.text()}")
    lab.expect(REFUSAL in refused.text(), f"no refusal in:\n{refused.text()}")
    lab.expect("ready." not in refused.text(), "the refused worker reached ready.")
    lab.diagnose(refused.text(), "worker output: refusal as root with pickle")

    # 3. C_FORCE_ROOT switches the refusal off: the pickle worker starts as root, warning only
    forced = lab.worker("labpickle", "-P", "solo", name="forced", env={"C_FORCE_ROOT": "1"})
    lab.expect(WARNING in forced.text(), "C_FORCE_ROOT: no warning either")
    lab.stop(forced)
    lab.step("C_FORCE_ROOT lets the root pickle worker start", "the check the entry keeps")

    # 4. the fix: a process that is not uid 0 (a user namespace; see the module's text)
    unshare = ["unshare", "--user", f"--map-user={NOBODY}", f"--map-group={NOBODY}"]
    for app, tag in (("labapp", "json"), ("labpickle", "pickle")):
        launch = [*unshare, *support.celery_args()]
        fixed = lab.worker(app, "-P", "solo", name=f"nonroot_{tag}", launch=launch, ready=False)
        _runs_unwarned(lab, fixed, tag, f"not uid 0 ({app}): no warning, no refusal")

    # 5. the entry's --uid command as written, with a user that exists everywhere: with this
    # interpreter, and with the system's interpreter of the same version when there is one
    argv = support.fix_commands(lab.fix("fix-uid", app="labapp", user=NOBODY), "celery")[0]
    lab.expect(argv[1:4] == ["-A", "labapp", "worker"], f"not a worker command: {argv}")
    os.chmod(lab.dir, 0o777)  # noqa: S103 - the switched worker writes its marker here
    for number, python in enumerate(_interpreters()):
        _switch_user(lab, python, argv[4:], f"uid{number}")


def _runs_unwarned(lab, worker, tag: str, step: str) -> None:
    """The worker reaches ready without the warning, and its task runs as uid 65534."""
    worker.wait_for(r"ready\.", timeout=60)
    lab.expect(WARNING not in worker.text(), f"{tag}: still warned:\n{worker.text()}")
    ran = _ran_as(lab, tag, worker)
    lab.expect(ran == NOBODY, f"{tag}: the task ran as uid {ran}, not {NOBODY}")
    lab.stop(worker)
    lab.step(step, f"the task ran as uid {ran}")


def _interpreters() -> list[str]:
    """This interpreter, then /usr/bin's of the same version (its own standard library, the
    project's packages on PYTHONPATH) when it exists."""
    found = [sys.executable]
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if system.exists() and system.resolve() != Path(sys.executable).resolve():
        found.append(str(system))
    return found


def _switch_user(lab, python: str, args: list[str], tag: str) -> None:
    """`celery -A labapp worker <args>` run by `python`, started as root: without the warning
    where uid 65534 can read the interpreter's standard library, else dead after the switch
    with an import error."""
    stdlib = support.output_of([python, "-c", "import os; print(os.__file__)"])
    done = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        + ["test", "-r", stdlib],
        capture_output=True,
        timeout=30,
    )
    launch = support.celery_args()
    if python != sys.executable:  # the project's packages after the system's standard library
        launch = [
            python,
            "-c",
            SYSTEM_LAUNCHER.replace("SITE", str(Path(celery.__file__).parents[1])),
        ]
    switched = lab.worker("labapp", *args, "-P", "solo", name=tag, launch=launch, ready=False)
    if done.returncode == 0:
        _runs_unwarned(lab, switched, tag, f"--uid, {stdlib} readable by the user: no warning")
        return
    status = switched.exited(60)
    text = switched.text()
    lab.expect(status not in (None, 0), f"{python}: --uid, unreadable stdlib, status {status}")
    errors = ("ModuleNotFoundError", "LookupError: unknown encoding", "PermissionError")
    lab.expect(any(e in text for e in errors), f"not the error the entry quotes:\n{text}")
    last = [line for line in text.splitlines() if line.strip()][-1]
    lab.step(f"--uid, {stdlib} unreadable by the user: the worker dies", last)
