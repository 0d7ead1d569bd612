"""The worker runs from an environment of its own, a throwaway virtualenv in the scenario's
folder (its `python -m celery`), and its task module imports an extension, `lab_batches`, that
the environment lacks: the CLI cannot load the app (`Unable to load celery application. ...
ModuleNotFoundError: No module named 'lab_batches'`) and exits with status 2. The caller,
which sends the task by name from the project's environment, never imports it. The entry's
requirements file, with the scenario's package in place of its examples, installed into the
virtualenv (`pip install --no-index --no-build-isolation -r ...`, then `pip check`), lets the
same worker start and run the task.

All offline: the venv gets pip from the interpreter's ensurepip, and the extension is a tiny
local package (a folder with a pyproject.toml) that pip builds and installs from its folder,
never from an index. Two choices that the machine forces:
- The venv sees the project venv's Celery through a `.pth` file, not `--system-site-packages`:
  a venv made from the project venv's python takes the *base* interpreter's site-packages
  with that option (no Celery there, and unrelated packages whose conflicts fail `pip check`).
- The package builds with a PEP 517 backend of its own (`lab_build.py`, in-tree): setuptools
  65.5, what ensurepip installs on 3.11, builds no wheel without the `wheel` package
  (`invalid command 'bdist_wheel'`), which nothing here has, and without `--no-build-isolation`
  pip would fetch a build backend from an index.
"""

from __future__ import annotations

import os
import re
import sys
import sysconfig
from pathlib import Path

import celery

from lab.support import APP_HEADER

SLUG = "missing-worker-dependency"
MODULE, PACKAGE, VERSION = "lab_batches", "lab-batches", "0.1.0"
SOURCE = f"packages/{PACKAGE}"  # not importable from the scenario folder (the PYTHONPATH)

PYPROJECT = f"""\
[build-system]
requires = []
build-backend = "lab_build"
backend-path = ["."]

[project]
name = "{PACKAGE}"
version = "{VERSION}"
"""

EXTENSION = '''\
"""A tiny Celery extension of the lab's own: a task base class that sums a batch."""

from celery import Task


class Batches(Task):
    def total(self, items):
        return sum(items)
'''

# a wheel is a zip file with the module, METADATA, WHEEL and RECORD (PEP 427)
BACKEND = f'''\
"""PEP 517 backend: a pure-Python wheel of {MODULE}.py."""

import base64
import hashlib
import zipfile
from pathlib import Path

DIST = "{MODULE}-{VERSION}.dist-info"


def _files():
    return {{
        "{MODULE}.py": Path("{MODULE}.py").read_bytes(),
        f"{{DIST}}/METADATA": b"Metadata-Version: 2.1\\nName: {PACKAGE}\\nVersion: {VERSION}\\n",
        f"{{DIST}}/WHEEL": (
            b"Wheel-Version: 1.0\\nGenerator: lab_build\\nRoot-Is-Purelib: true\\n"
            b"Tag: py3-none-any\\n"
        ),
    }}


def _record(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{{path}},sha256={{digest}},{{len(data)}}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "{MODULE}-{VERSION}-py3-none-any.whl"
    files = _files()
    record = [_record(path, data) for path, data in files.items()] + [f"{{DIST}}/RECORD,,"]
    with zipfile.ZipFile(Path(wheel_directory) / name, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
        wheel.writestr(f"{{DIST}}/RECORD", "\\n".join(record) + "\\n")
    return name
'''

# the worker's app module: the task module that needs the extension
TASKS = (
    APP_HEADER
    + f"""
from {MODULE} import Batches


@app.task(name="lab.total", base=Batches, bind=True)
def total(self, items):
    return self.total(items)
"""
)

# the web side sends by name from the project's environment: it never imports the extension
CALL = """\
import os

from celery import Celery

app = Celery("web", broker=os.environ["LAB_BROKER_URL"])
print(app.send_task("lab.total", args=[[1, 2, 3]]).id)
"""

# pip reads no config or find-links of this machine, caches nothing, asks no index
PIP_ENV = {
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_FIND_LINKS": "",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
}
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?:\[[\w,-]+\])?==(?P<version>\S+)$")


def _run(lab, args: list[str], name: str, timeout: float = 90) -> tuple[int | None, str]:
    proc = lab.start(args, name, PIP_ENV)
    code = proc.exited(timeout)
    if code is None:
        proc.stop()
    return code, proc.text()


def _make_venv(lab) -> str:
    """A throwaway venv in the scenario's folder whose sys.path ends with the project venv's
    site-packages (Celery and its dependencies); its python."""
    venv = lab.dir / "worker-venv"
    code, out = _run(lab, [sys.executable, "-m", "venv", str(venv)], "venv")
    lab.expect(code == 0, f"python -m venv failed:\n{out[-800:]}")
    python = str(venv / "bin" / "python")
    code, out = _run(
        lab, [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], "paths"
    )
    lab.expect(code == 0, out)
    site = out.strip().splitlines()[-1]
    project = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site) / "project-venv.pth").write_text("\n".join(sorted(project)) + "\n")
    lab.step("throwaway venv", f"{venv.name}: its own pip, the project venv's Celery via a .pth")
    return python


def _worker(lab, python: str, name: str):
    """`python -m celery -A labtasks worker` with the venv's python (lab.worker and
    support.ping_runs start the project's python)."""
    args = ["-A", "labtasks", "worker", "-l", "INFO", "-P", "solo", "-n", f"{name}@lab"]
    args += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    return lab.start([python, "-m", "celery", *args], name)


def _requirements(lab, fix: str) -> str:
    """The entry's requirements file, same shape, the scenario's package for its examples.

    The entry pins `celery[redis]` (a redis:// broker) and `django-celery-results`, which
    are neither what this worker needs (a RabbitMQ broker, the lab_batches extension) nor
    installable offline; its Celery pin must be the Celery the worker runs."""
    lines = [line.strip() for line in fix.splitlines() if line.strip()]
    pins = [PINNED.match(line) for line in lines]
    lab.expect(
        all(pins) and any(m["name"] == "celery" for m in pins),
        f"the fix block is not a pinned requirements file with Celery:\n{fix}",
    )
    out = []
    for match in pins:
        if match["name"] == "celery":
            lab.expect(
                match["version"] == celery.__version__,
                f"the block pins celery {match['version']}, the worker has {celery.__version__}",
            )
            out.append(f"celery=={match['version']}")
        elif f"{PACKAGE}=={VERSION}" not in out:
            out.append(f"{PACKAGE}=={VERSION}")
    return "\n".join(out) + "\n"


def run(lab) -> None:
    for name, text in {
        f"{SOURCE}/pyproject.toml": PYPROJECT,
        f"{SOURCE}/lab_build.py": BACKEND,
        f"{SOURCE}/{MODULE}.py": EXTENSION,
    }.items():
        (lab.dir / name).parent.mkdir(parents=True, exist_ok=True)
        lab.write(name, text)
    lab.write("labtasks.py", TASKS)
    python = _make_venv(lab)

    worker = _worker(lab, python, "worker")
    code = worker.exited(60)
    lab.expect(
        code == 2, f"the worker did not exit with status 2 ({code}):\n{worker.text()[-1500:]}"
    )
    text = worker.text()
    lab.expect(
        "Unable to load celery application." in text
        and f"ModuleNotFoundError: No module named '{MODULE}'" in text,
        f"the worker failed otherwise:\n{text[-1500:]}",
    )
    # First with no close runner-up, at 0.41-0.47 (worker-cross-domain-import next, ~0.1):
    # `No module named` for a module the entry does not name (the scenario's own, not one of
    # the PyPI extensions its signatures list) is also what a worker says when it imports
    # another service's application module; the same text with celery_batches is 0.94.
    lab.diagnose(text, "worker start-up", confidence="possible")
    # the entry's Confirm: the worker's own python cannot import the module
    code, out = _run(lab, [python, "-c", f"import {MODULE}"], "confirm")
    lab.expect(code != 0 and f"No module named '{MODULE}'" in out, f"the import worked:\n{out}")
    lab.step("confirmed", f"the worker's python: No module named '{MODULE}'")

    requirements = _requirements(lab, lab.fix("fix"))
    lab.write("requirements-worker.txt", requirements)
    lab.step("requirements-worker.txt", requirements.replace("\n", "; "))
    # the folder stands in for the index: with --no-index it is the only source, and pip
    # checks that it satisfies the pin
    install = [
        python,
        "-m",
        "pip",
        "install",
        "--no-index",
        "--no-build-isolation",
        "--no-cache-dir",
    ]
    code, out = _run(lab, [*install, "-r", "requirements-worker.txt", SOURCE], "pip-install")
    lab.expect(code == 0 and f"Successfully installed {PACKAGE}-{VERSION}" in out, out[-1500:])
    code, out = _run(lab, [python, "-m", "pip", "check"], "pip-check")
    lab.expect(code == 0, f"pip check failed:\n{out[-1500:]}")
    lab.step("installed", f"{PACKAGE}=={VERSION} into the worker's venv; pip check: {out.strip()}")

    fixed = _worker(lab, python, "fixed")
    fixed.wait_for(r"ready\.", timeout=60)
    code, out = lab.python(CALL, "caller")
    lab.expect(code == 0, out[-800:])
    task_id = out.strip().splitlines()[-1]
    fixed.wait_for(rf"Task lab\.total\[{task_id}\] succeeded in .*: 6", timeout=60)
    lab.step("after the install the worker starts and runs the task sent by name")
