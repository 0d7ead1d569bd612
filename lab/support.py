"""The real services a scenario runs against: a throwaway vhost, Celery workers, logs.

Everything here creates objects only in the scenario's own vhost (named
`<KB_LAB_PREFIX>-<slug>-<random>`, deleted afterwards) or the lab's Redis
database (`KB_LAB_REDIS_URL`, flushed before and after), and starts processes
it stops itself, by process group id.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

# The lab's own variables first, then the test suite's (the services are the same).
RABBITMQ_URL = os.environ.get("KB_LAB_RABBITMQ_URL") or os.environ.get(
    "KB_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"
)
MANAGEMENT_URL = os.environ.get("KB_LAB_RABBITMQ_MANAGEMENT_URL") or os.environ.get(
    "KB_TEST_RABBITMQ_MANAGEMENT_URL", "http://127.0.0.1:15672"
)
REDIS_URL = os.environ.get("KB_LAB_REDIS_URL") or os.environ.get(
    "KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/14"
)
PREFIX = os.environ.get("KB_LAB_PREFIX", "kb-lab")
RABBITMQ_LOG = os.environ.get("KB_LAB_RABBITMQ_LOG", "/var/log/rabbitmq/rabbit@*.log")


POSTGRES_URL = os.environ.get("KB_LAB_POSTGRES_URL") or os.environ.get(
    "KB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


class LabError(Exception):
    """A scenario step failed: the message says what was expected and what happened."""


class NotReproducible(Exception):
    """The scenario cannot run here (a service or tool is missing)."""


def _parts():
    return urlsplit(RABBITMQ_URL)


def management(method: str, path: str, **kwargs) -> requests.Response:
    parts = _parts()
    auth = (parts.username or "guest", parts.password or "guest")
    return requests.request(method, f"{MANAGEMENT_URL}/api{path}", auth=auth, timeout=10, **kwargs)


def amqp_url(vhost: str, *, user: str | None = None, password: str | None = None) -> str:
    parts = _parts()
    user = user if user is not None else (parts.username or "guest")
    password = password if password is not None else (parts.password or "guest")
    host = f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}"
    return f"amqp://{user}:{password}@{host}/{quote(vhost, safe='')}"


@contextlib.contextmanager
def throwaway_vhost(slug: str):
    """A new vhost with full permissions for the lab user; deleted afterwards."""
    name = f"{PREFIX}-{slug}-{secrets.token_hex(3)}"
    user = _parts().username or "guest"
    v = quote(name, safe="")
    management("PUT", f"/vhosts/{v}").raise_for_status()
    try:
        management(
            "PUT",
            f"/permissions/{v}/{quote(user, safe='')}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
        yield name
    finally:
        management("DELETE", f"/vhosts/{v}")


def rabbitmqctl(*args: str, timeout: float = 30) -> str:
    """Run rabbitmqctl; its stdout (LabError with stderr when it fails)."""
    try:
        done = subprocess.run(
            ["rabbitmqctl", *args], capture_output=True, text=True, timeout=timeout
        )
    except FileNotFoundError as exc:
        raise NotReproducible("rabbitmqctl is not installed here") from exc
    if done.returncode != 0:
        raise LabError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip()[:500]}")
    return done.stdout


def fix_commands(fix: str, program: str) -> list[list[str]]:
    """The commands of `program` in an entry's fix block, in order, each as its argv
    (`program` first): the block's lines `$ program ...` (a console block) or `program ...`,
    without a trailing `# comment`."""
    commands = []
    for line in fix.splitlines():
        command = line.strip().removeprefix("$ ")
        if command.split(" ", 1)[0] == program:
            commands.append(shlex.split(command, comments=True))
    return commands


def output_of(argv: list[str], timeout: float = 30) -> str:
    """A command's stdout and stderr together, stripped: for tools whose text is the verdict
    (redis-cli exits 0 on an `ERR` answer)."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return (done.stdout + done.stderr).strip()


def vhost_connections(vhost: str) -> list[dict[str, str]]:
    """The broker's client connections in `vhost` (a scenario's own): pid and name each.
    `rabbitmqctl close_connection` takes the pid (on 3.10), the management API the name."""
    listing = rabbitmqctl("list_connections", "-q", "pid", "name", "vhost")
    rows = [line.split("\t") for line in listing.splitlines() if line.count("\t") == 2]
    return [{"pid": pid, "name": name} for pid, name, where in rows if where == vhost]


class BrokerLog:
    """Lines RabbitMQ writes to its log from now on (None when the log is unreadable)."""

    def __init__(self) -> None:
        files = sorted(glob.glob(RABBITMQ_LOG))
        files = [f for f in files if not f.endswith("_upgrade.log")]
        self.path = Path(files[0]) if files else None
        self.offset = self.path.stat().st_size if self.path and os.access(self.path, os.R_OK) else 0

    def lines(self, containing: str = "") -> list[str]:
        if self.path is None or not os.access(self.path, os.R_OK):
            return []
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            text = handle.read().decode("utf-8", "replace")
        return [line for line in text.splitlines() if containing in line]

    def wait_for(self, pattern: str, timeout: float = 10) -> str | None:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in self.lines():
                if regex.search(line):
                    return line
            time.sleep(0.2)
        return None


class Process:
    """A subprocess (a Celery worker, beat, a script) with its output in a log file."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.args = args
        self._handle = log.open("wb")
        full_env = {**os.environ, **env, "PYTHONPATH": str(cwd), "PYTHONUNBUFFERED": "1"}
        full_env.pop("DJANGO_SETTINGS_MODULE", None)
        self.proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=full_env,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, timeout: float = 45, count: int = 1) -> str:
        """The first line matching `pattern` (after `count` matches); LabError on timeout."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            found = [line for line in self.text().splitlines() if regex.search(line)]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                tail = "\n".join(self.text().splitlines()[-15:])
                raise LabError(f"no line matching {pattern!r} within {timeout}s; log ends:\n{tail}")
            if self.proc.poll() is not None and not found:
                time.sleep(0.2)
                if not regex.search(self.text()):
                    tail = "\n".join(self.text().splitlines()[-15:])
                    raise LabError(
                        f"process exited ({self.proc.returncode}) before {pattern!r}:\n{tail}"
                    )
            time.sleep(0.1)

    def exited(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 8) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        else:  # children of an exited main process (pool workers) may remain
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._handle.close()


def celery_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", *args]


def versions() -> dict[str, str]:
    """What the scenarios ran on."""
    import platform

    import amqp
    import celery
    import kombu

    found = {
        "celery": celery.__version__,
        "kombu": kombu.__version__,
        "amqp": amqp.__version__,
        "python": platform.python_version(),
    }
    with contextlib.suppress(Exception):
        found["rabbitmq"] = management("GET", "/overview").json()["rabbitmq_version"]
    with contextlib.suppress(Exception):
        import redis

        found["redis"] = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    return found


APP_HEADER = """\
import os

from celery import Celery

app = Celery("lab", broker=os.environ["LAB_BROKER_URL"])
app.conf.broker_connection_retry_on_startup = True
"""


# An app whose settings come from the scenario's `celeryconfig.py` (the broken one, then the
# entry's fix), with HERE for marker files a task writes (started, hold)
CONFIGURED_APP_HEADER = (
    APP_HEADER
    + """
import pathlib
import time

HERE = pathlib.Path(__file__).parent
app.config_from_object("celeryconfig")
"""
)


PING_APP = (
    APP_HEADER
    + """

@app.task(name="lab.ping")
def ping():
    return "pong"
"""
)


PING_CALL = "from labapp import ping\nprint(ping.delay().id)\n"


def ping_runs(
    lab, env: dict[str, str], *worker_args: str, name: str = "fixed", timeout: float = 60
) -> tuple[Process, str]:
    """A `-P solo` worker of `labapp` (PING_APP) connects and runs a `lab.ping` sent now: the
    proof that a fix worked. (the worker, the task id)"""
    worker = lab.worker("labapp", "-P", "solo", *worker_args, name=name, env=env)
    worker.wait_for(r"Connected to ")
    code, out = lab.python(PING_CALL, f"caller_{name}", env=env)
    lab.expect(code == 0, out[-800:])
    task_id = out.strip().splitlines()[-1]
    worker.wait_for(rf"Task lab\.ping\[{task_id}\] succeeded", timeout=timeout)
    return worker, task_id


def free_port() -> int:
    """A loopback TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_redis(lab, *settings: str, prefix: Sequence[str] = ()) -> tuple[Process, int]:
    """A redis-server of the scenario's own on a free loopback port, never the shared one, for
    settings a scenario must not set there (`--maxclients 3`, `--requirepass ...`); without
    persistence unless `settings` give `--save`. `prefix` runs it under another command
    (`setpriv ...`). It stops with the scenario's other processes. (the server, its port)"""
    if not shutil.which("redis-server"):
        raise NotReproducible("redis-server is not installed here")
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    if "--save" not in settings:
        args += ["--save", "", "--appendonly", "no"]
    server = lab.start([*prefix, *args, *settings], "redis-server")
    server.wait_for("Ready to accept connections", timeout=30)
    return server, port


RABBITMQ_BIN = Path(os.environ.get("KB_LAB_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))


class PrivateRabbit:
    """A RabbitMQ node of the scenario's own (private_rabbitmq): its URLs and its CLI."""

    def __init__(self, server: Process, node: str, port: int, management_port: int, env):
        self.server, self.node, self.port, self.env = server, node, port, env
        self.url = f"amqp://guest:guest@127.0.0.1:{port}//"
        self.management_url = f"http://127.0.0.1:{management_port}"

    def cli(self, tool: str, *args: str, timeout: float = 60) -> str:
        """`rabbitmqctl` / `rabbitmq-diagnostics` against this node: its output (LabError
        with the output when it fails)."""
        done = subprocess.run(
            [str(RABBITMQ_BIN / tool), "-n", self.node, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **self.env},
        )
        if done.returncode != 0:
            raise LabError(f"{tool} {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout


def private_rabbitmq(lab, config: str = "", name: str = "rabbitmq-server") -> PrivateRabbit:
    """A RabbitMQ node of the scenario's own (the same installation as the shared broker, its
    own name, ports, data and cookie in the scenario folder), for what a scenario must not do
    to the shared one: a resource alarm blocks every publisher of the node. Management API
    on, log to stdout (the Process's log). `config` is added to its rabbitmq.conf. It stops
    with the scenario's other processes; its data goes with the folder."""
    server_script = RABBITMQ_BIN / "rabbitmq-server"
    if not server_script.exists():
        raise NotReproducible(f"no {server_script} here (set KB_LAB_RABBITMQ_BIN)")
    port, dist_port, management_port = free_port(), free_port(), free_port()
    node = f"kblab{port}@localhost"
    base = lab.dir / name
    for folder in ("home", "mnesia"):
        (base / folder).mkdir(parents=True, exist_ok=True)
    cookie = base / "home" / ".erlang.cookie"
    cookie.write_text(secrets.token_hex(16).upper(), encoding="ascii")
    cookie.chmod(0o400)
    (base / "enabled_plugins").write_text("[rabbitmq_management].\n", encoding="ascii")
    (base / "rabbitmq.conf").write_text(
        f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {management_port}\n{config}",
        encoding="utf-8",
    )
    env = {
        "HOME": str(base / "home"),
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base),
        "RABBITMQ_LOGS": "-",
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
        "RABBITMQ_PID_FILE": str(base / "pid"),
    }
    server = lab.start([str(server_script)], name, env)
    server.wait_for(r"Server startup complete", timeout=120)
    return PrivateRabbit(server, node, port, management_port, env)


def invoice_app(queue: str) -> str:
    """An app whose only task, orders.invoice, goes to `queue`; `# CONFIG` is where the
    scenario puts its `task_queues` (the broken one, then the entry's fix)."""
    return (
        APP_HEADER
        + f"""
app.conf.task_default_queue = "{queue}"
# CONFIG
app.conf.task_queues = task_queues


@app.task(name="orders.invoice")
def invoice(n):
    return n
"""
    )


def operator_queue_refused(
    lab,
    operator: str,
    config: str,
    queue: str,
    error: str,
    name: str,
    *,
    example: bool = True,
    timeout: float = 45,
):
    """The shared half of the queue-declaration scenarios: an operator declares `queue` its
    own way, the worker with `config` fails with `error` (diagnosed as capture `name`, and
    found by the live check), then the worker restarts with the entry's fix.

    Returns (fix, the fixed worker)."""
    code, out = lab.python(operator, "operator")
    lab.expect(code == 0, out)
    app = invoice_app(queue)
    lab.write("labapp.py", app.replace("# CONFIG", config))
    worker = lab.worker("labapp", "-P", "solo", ready=False)
    line = worker.wait_for(error, timeout=timeout)
    lab.diagnose(line, name, example=example)
    lab.check_finds(queues=[queue], config_text=config)

    fix = lab.fix("fix", queue=queue)
    lab.stop(worker)
    lab.write("labapp.py", app.replace("# CONFIG", fix))
    return fix, lab.worker("labapp", "-P", "solo", name="fixed")


def segment(text: str, start: str, *, max_lines: int = 40) -> str:
    """From the first line matching `start` to the end of that log record (its traceback)."""
    lines = text.splitlines()
    regex = re.compile(start)
    for index, line in enumerate(lines):
        if regex.search(line):
            out = [line]
            for following in lines[index + 1 : index + max_lines]:
                if re.match(r"^\[\d{4}-\d\d-\d\d ", following):
                    break
                out.append(following)
            while out and not out[-1].strip():
                out.pop()
            return "\n".join(out)
    raise LabError(f"no line matching {start!r} in:\n" + "\n".join(lines[-15:]))


def traceback_of(text: str) -> str:
    """The last traceback in `text` (from 'Traceback' to the exception line), chained ones kept."""
    lines = text.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        raise LabError("no traceback in:\n" + "\n".join(lines[-15:]))
    first = starts[0]
    return "\n".join(lines[first:]).strip()


def throwaway_databases(lab, *suffixes: str) -> tuple[list[str], Any, Any]:
    """New empty PostgreSQL databases `<prefix>_<random><suffix>` (one per suffix), dropped
    when the scenario ends: (their names, the admin URL split, the admin connection, which
    autocommits). NotReproducible when psycopg is missing or PostgreSQL does not answer."""
    try:
        import psycopg
    except ImportError as exc:
        raise NotReproducible("psycopg is not installed") from exc
    stem = f"{PREFIX.replace('-', '_')}_{secrets.token_hex(3)}"
    names = [f"{stem}{suffix}" for suffix in suffixes]
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise NotReproducible(f"PostgreSQL is not reachable: {exc}") from exc

    def drop() -> None:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    lab.on_cleanup(drop)
    for name in names:
        admin.execute(f'CREATE DATABASE "{name}"')
    return names, urlsplit(POSTGRES_URL), admin
