"""Run reproduction scenarios, judge them, and keep the record.

A scenario module (`lab/scenarios/<slug with underscores>.py`) defines `SLUG`
and `run(lab)`; optionally `EXCLUSIVE = True` when it changes broker-wide state
for a few seconds (it then runs alone), and `REDIS = True` when it uses the
lab's Redis database (those run one at a time). `run` uses the `Lab` below to
cause the symptom, hand the capture to the diagnostics engine, run a live check
where one applies, apply the entry's own fix (a block marked `<!-- lab: NAME -->`
in the entry) and show the symptom gone. Any failed expectation raises
`LabError`; the result is `verified`, `failed` (with the reason) or
`not-reproducible`.

The two calls into diagnostics (`diagnose_text`, `live_check`) are the only
places the lab depends on the engine's API.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
import shutil
import tempfile
import textwrap
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab import support
from lab.support import LabError, NotReproducible, Process

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
# what a capture shows for the scenario's throwaway vhost (Lab.diagnose)
VHOST_SHOWN = "lab"
RECORD = CONTENT / "verification.json"
LAB_BLOCK = re.compile(
    r"^[ \t]*<!--\s*lab:\s*(?P<name>[\w-]+)\s*-->[ \t]*\n"
    r"[ \t]*(?P<fence>`{3,}|~{3,})(?P<lang>[\w+-]*)[^\n]*\n"
    r"(?P<code>.*?)\n[ \t]*(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


# --- the engine: the only two calls into diagnostics --------------------------------------

_kb_lock = threading.Lock()
_kb_cache: dict[str, Any] = {}


def current_kb():
    """The knowledge base built from content/ as it is now (not a possibly stale index)."""
    # imported when first used: `manage.py verify_entries --help` needs no Django apps
    from kb.build import content_files, content_version, load_content
    from kb.index import KnowledgeBase  # (same reason)

    version = content_version(p for p, _ in content_files(CONTENT))
    with _kb_lock:
        if _kb_cache.get("version") != version:
            result = load_content(CONTENT)
            _kb_cache["kb"] = KnowledgeBase.from_entries(result.entries, version)
            _kb_cache["version"] = version
        return _kb_cache["kb"]


def diagnose_text(text: str) -> dict[str, Any]:
    """`{"slug", "confidence", "score", "runner_up"}` of the engine's answer for `text`.

    The engine's `Diagnosis` carries keys and evidence (slug, confidence, score);
    the words are not needed here. It runs against `current_kb()`, like the build's
    examples, so a scenario judges the content as it is in the checkout.
    """
    # imported when first used, like current_kb (the engine loads the rule modules)
    from diagnostics.engine import diagnose

    diagnosis = diagnose(text, kb=current_kb())
    top = diagnosis.matches[0] if diagnosis.matches else None
    return {
        "slug": top.slug if top else None,
        "confidence": diagnosis.confidence,
        "score": round(top.score, 3) if top else 0.0,
        "runner_up": diagnosis.matches[1].slug if len(diagnosis.matches) > 1 else None,
    }


def live_check(**request: Any) -> list[dict[str, Any]]:
    """Run the live checks and return their results, each worded (`message`) in English.

    `run_plan` returns results as stored (check, status, entry, rule or outcome,
    evidence); `diagnostics.present` words them from `current_kb()`'s entries, so
    a rule's message comes from the checkout's content, not a possibly stale index.
    """
    # imported when first used, like current_kb (the checks load probes and rules)
    from diagnostics.checks import CheckRequest, prepare_plan, run_plan
    from diagnostics.present import present_check_results  # (same reason)

    results = run_plan(prepare_plan(CheckRequest(**request)))
    return present_check_results(results, kb=current_kb(), lang="en")


# --- entries ------------------------------------------------------------------------------


def entry_path(slug: str) -> Path:
    return CONTENT / "entries" / f"{slug}.md"


def lab_blocks(slug: str, facts: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """The entry's blocks marked `<!-- lab: NAME -->`, placeholders filled (facts, else defaults)."""
    entry = current_kb().entries[slug]
    values = {**entry.defaults, **(facts or {})}
    text = entry_path(slug).read_text(encoding="utf-8")
    blocks = {}
    for match in LAB_BLOCK.finditer(text):
        code = textwrap.dedent(match.group("code"))
        code = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), code)
        blocks[match.group("name")] = {"lang": match.group("lang"), "code": code}
    return blocks


def not_reproducible_reason(slug: str) -> str | None:
    entry = current_kb().entries.get(slug)
    return getattr(entry, "not_reproducible", "") or None if entry else None


# --- a scenario's view of the lab ---------------------------------------------------------


@dataclass
class Result:
    slug: str
    status: str = "failed"
    reason: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    date: str = ""
    steps: list[dict[str, Any]] = field(default_factory=list)
    captures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self, *, captures: bool = False) -> dict[str, Any]:
        data = {
            "slug": self.slug,
            "status": self.status,
            "reason": self.reason,
            "versions": self.versions,
            "date": self.date,
            "steps": self.steps,
            "seconds": self.seconds,
        }
        if captures:
            data["captures"] = self.captures
        return data


class Lab:
    """What a scenario works with: its vhost, a folder, workers, the engine, the entry."""

    def __init__(self, slug: str, workdir: Path, vhost: str | None) -> None:
        self.slug = slug
        self.dir = workdir
        self.vhost = vhost
        self.broker_url = support.amqp_url(vhost) if vhost else ""
        self.redis_url = support.REDIS_URL
        self.steps: list[dict[str, Any]] = []
        self.captures: list[dict[str, str]] = []
        self._processes: list[Process] = []
        self._cleanups: list[Any] = []
        self.released = threading.Event()  # set when broker-wide changes are undone

    def release_exclusive(self) -> None:
        """An EXCLUSIVE scenario calls this once its broker-wide change is undone."""
        self.released.set()

    # bookkeeping
    def step(self, name: str, detail: str = "") -> None:
        self.steps.append({"step": name, "ok": True, "detail": detail[:300]})

    def expect(self, condition: Any, message: str) -> None:
        if not condition:
            raise LabError(message)

    def on_cleanup(self, func) -> None:
        self._cleanups.append(func)

    # files and processes
    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text, encoding="utf-8")
        return path

    def start(self, args: list[str], name: str, env: dict[str, str] | None = None) -> Process:
        env = {"LAB_BROKER_URL": self.broker_url, "LAB_REDIS_URL": self.redis_url, **(env or {})}
        log = self.dir / f"{name}.log"
        number = 1
        while log.exists():
            number += 1
            log = self.dir / f"{name}-{number}.log"
        proc = Process(args, self.dir, env, log)
        self._processes.append(proc)
        return proc

    def worker(
        self,
        app: str,
        *args: str,
        name: str = "worker",
        env: dict[str, str] | None = None,
        ready: bool = True,
        launch: list[str] | None = None,
    ) -> Process:
        """`celery -A app worker` (no mingle/gossip/heartbeat unless asked), INFO log.
        `launch` is what runs `celery` when not this interpreter's `python -m celery` (the same
        behind `unshare`, or another interpreter)."""
        argv = [
            "-A",
            app,
            "worker",
            "-l",
            "INFO",
            "-n",
            f"{name}@lab",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            *args,
        ]
        command = [*launch, *argv] if launch else support.celery_args(*argv)
        proc = self.start(command, name, env)
        if ready:
            proc.wait_for(r"ready\.", timeout=60)
        return proc

    def celery(
        self, app: str, *args: str, timeout: float = 30, env: dict[str, str] | None = None
    ) -> str:
        """A `celery -A app ...` command (inspect, control, call); its output."""
        proc = self.start(support.celery_args("-A", app, *args), f"celery-{args[0]}", env)
        if proc.exited(timeout) is None:
            proc.stop()
            raise LabError(f"celery {' '.join(args)} did not finish within {timeout}s")
        return proc.text()

    def stop(self, proc: Process) -> None:
        proc.stop()

    def wait_for_file(
        self, path: Path, what: str, proc: Process | None = None, timeout: float = 30
    ) -> None:
        """Wait until `path` exists (a marker a task or script writes when it reaches a point);
        LabError saying `what` never happened, with the tail of `proc`'s log, after `timeout`."""
        import time

        deadline = time.monotonic() + timeout
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        tail = ":\n" + proc.text()[-1500:] if proc is not None else ""
        self.expect(path.exists(), f"{what}{tail}")

    def python(
        self, code: str, name: str, timeout: float = 40, env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Run a Python script in the scenario folder; (exit code, combined output)."""
        import sys

        path = self.write(f"lab_{name}.py", code)  # prefixed: never shadows a stdlib module
        proc = self.start([sys.executable, str(path)], name, env)
        code_ = proc.exited(timeout)
        if code_ is None:
            proc.stop()
            raise LabError(f"{name}.py did not finish within {timeout}s")
        return code_, proc.text()

    # the engine and the entry
    def diagnose(
        self,
        text: str,
        name: str,
        slug: str | None = None,
        *,
        confidence: str = "high",
        example: bool = True,
        second: bool = False,
    ) -> dict[str, Any]:
        """Feed a capture to the engine; it must rank the entry first with `confidence`.

        `example=False` for a text the scenario wrote itself (a config paste, a sentence):
        it is judged but never becomes one of the entry's examples.
        `confidence="possible"` only where the engine cannot be sure from a paste
        alone (the scenario's step says so and the lab's README lists them).
        `second=True` (only with `possible`) accepts the entry as the runner-up: for a
        text that real reports show more often under another entry, where both must be
        listed (the lab's README lists them).
        """
        slug = slug or self.slug
        # the checkout's and the scenario folder's paths are ours, not facts: shown neutrally;
        # so is the throwaway vhost's name, which carries the entry's slug (words the engine
        # would read as a hint) and a random suffix (which moved scores near the threshold)
        text = text.strip("\n").replace(str(ROOT), "/app").replace(str(self.dir), "/srv/lab")
        if self.vhost:
            text = text.replace(self.vhost, VHOST_SHOWN)
        answer = diagnose_text(text)
        if example:
            self.captures.append({"name": name, "text": text})
        if second:  # two listed causes: never `high`
            places, accepted = (answer["slug"], answer["runner_up"]), (confidence,)
        else:
            places = (answer["slug"],)
            accepted = ("high",) if confidence == "high" else ("high", confidence)
        self.expect(
            slug in places and answer["confidence"] in accepted,
            f"the engine answered {answer['slug']!r} ({answer['confidence']}; runner-up "
            f"{answer['runner_up']!r}) for capture {name!r}, not {slug!r} ({confidence}"
            f"{', first or second' if second else ''}):\n{text[:1500]}",
        )
        self.step(f"diagnosed {name}", f"{answer['slug']} {answer['confidence']} {answer['score']}")
        return answer

    def fix(self, name: str = "fix", **facts: str) -> str:
        """The code of the entry's block `<!-- lab: NAME -->` (placeholders filled)."""
        blocks = lab_blocks(self.slug, facts)
        self.expect(name in blocks, f"the entry has no block marked <!-- lab: {name} -->")
        self.step(f"took fix block {name!r} from the entry", blocks[name]["code"][:200])
        return blocks[name]["code"]

    def check(self, **request: Any) -> list[dict[str, Any]]:
        request.setdefault("broker_url", self.broker_url)
        request.setdefault("management_url", support.MANAGEMENT_URL)
        return live_check(**request)

    def use_redis(self) -> str:
        """The lab's Redis database, emptied now and after the scenario."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()
        self.on_cleanup(client.flushdb)
        return self.redis_url

    def _check_until(
        self, entry: str, found: bool, request: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Run the live checks until some (`found`) or none of them fail or warn linking
        `entry`, for at most 12 s: the management API's counters lag a few seconds behind
        the broker, after the failure is caused and after it is fixed."""
        deadline = time.monotonic() + 12
        while True:
            results = self.check(**request)
            hits = [
                r for r in results if r.get("entry") == entry and r["status"] in ("fail", "warn")
            ]
            if bool(hits) == found or time.monotonic() > deadline:
                return results, hits
            time.sleep(1.5)

    def check_finds(self, entry: str | None = None, **request: Any) -> dict[str, Any]:
        """Run the live checks; one must fail or warn and link the entry."""
        entry = entry or self.slug
        results, hits = self._check_until(entry, True, request)
        self.expect(
            hits,
            f"no live check linked {entry!r} with fail/warn: "
            + "; ".join(f"{r['check']}={r['status']}->{r.get('entry')}" for r in results),
        )
        self.step("live check found it", f"{hits[0]['check']}: {hits[0].get('message', '')[:200]}")
        return hits[0]

    def check_clean(self, entry: str | None = None, **request: Any) -> None:
        """Run the live checks again after the fix: nothing links the entry any more."""
        entry = entry or self.slug
        _, hits = self._check_until(entry, False, request)
        self.expect(not hits, f"after the fix the live check still reports: {hits}")
        self.step("live check passes after the fix")

    def close(self) -> None:
        for func in reversed(self._cleanups):
            try:
                func()
            except Exception:  # noqa: BLE001 - cleanup must go on
                traceback.print_exc()
        for proc in self._processes:
            proc.stop(grace=3)


# --- registry and running -----------------------------------------------------------------


def scenarios() -> dict[str, Any]:
    """slug -> scenario module, for every module in lab/scenarios."""
    # the scenario package is found at run time; its modules import lab.support, never us
    import lab.scenarios as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"lab.scenarios.{info.name}")
        found[module.SLUG] = module
    return dict(sorted(found.items()))


def run_scenario(
    slug: str,
    module: Any = None,
    versions: dict[str, str] | None = None,
    released: threading.Event | None = None,
) -> Result:
    module = module or scenarios()[slug]
    versions = dict(versions or support.versions())
    # the record names the services the scenario really used
    if not (getattr(module, "RABBITMQ", True) or getattr(module, "USES_RABBITMQ", False)):
        versions.pop("rabbitmq", None)
    if not (getattr(module, "REDIS", False) or getattr(module, "USES_REDIS", False)):
        versions.pop("redis", None)
    result = Result(slug, versions=versions)
    result.date = dt.date.today().isoformat()
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=f"lab-{slug}-"))
    lab: Lab | None = None
    try:
        uses_rabbitmq = getattr(module, "RABBITMQ", True)
        if uses_rabbitmq:
            with support.throwaway_vhost(slug) as vhost:
                lab = Lab(slug, workdir, vhost)
                if released is not None:
                    lab.released = released
                try:
                    module.run(lab)
                finally:
                    lab.close()
        else:
            lab = Lab(slug, workdir, None)
            try:
                module.run(lab)
            finally:
                lab.close()
        result.status = "verified"
    except NotReproducible as exc:
        result.status, result.reason = "not-reproducible", str(exc)
    except LabError as exc:
        result.status, result.reason = "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - a broken scenario is a failed verification
        result.status = "failed"
        result.reason = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if released is not None:
            released.set()  # also when the scenario failed before releasing
    if lab is not None:
        result.steps, result.captures = lab.steps, lab.captures
    result.seconds = round(time.monotonic() - started, 1)
    return result


def run_many(slugs: list[str], parallel: int = 3) -> list[Result]:
    """Scenarios in parallel (each has its own vhost).

    An EXCLUSIVE scenario (broker-wide change for a few seconds) starts first and
    alone; the others start once it has undone its change (`lab.release_exclusive()`),
    while it finishes. Redis scenarios share one database, so they run one at a time.
    """
    modules = scenarios()
    unknown = [s for s in slugs if s not in modules]
    if unknown:
        raise KeyError(f"no scenario for {', '.join(unknown)}")
    versions = support.versions()
    exclusive = [s for s in slugs if getattr(modules[s], "EXCLUSIVE", False)]
    shared = [s for s in slugs if s not in exclusive]
    redis_lock = threading.Lock()

    def one(slug: str, released: threading.Event | None = None) -> Result:
        if getattr(modules[slug], "REDIS", False):
            with redis_lock:
                return run_scenario(slug, modules[slug], versions, released)
        return run_scenario(slug, modules[slug], versions, released)

    results: dict[str, Result] = {}
    with ThreadPoolExecutor(max_workers=max(1, parallel) + len(exclusive)) as pool:
        pending = []
        for slug in exclusive:
            released = threading.Event()
            pending.append((slug, pool.submit(one, slug, released)))
            released.wait()
        for slug in shared:
            pending.append((slug, pool.submit(one, slug)))
        for slug, future in pending:
            results[slug] = future.result()
    return [results[s] for s in slugs]


# --- the record ---------------------------------------------------------------------------


def read_record(path: Path = RECORD) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("entries", {})


def write_record(results: list[Result], path: Path = RECORD) -> None:
    """Merge the results into the committed record (one item per slug, newest wins)."""
    record = read_record(path)
    for result in results:
        record[result.slug] = {
            "status": result.status,
            "reason": result.reason.split("\n")[0][:300],
            "versions": result.versions,
            "date": result.date,
            "steps": [s["step"] for s in result.steps],
        }
    data = {"entries": dict(sorted(record.items()))}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def not_reproducible_results(slugs: list[str]) -> list[Result]:
    """Entries whose front matter says they cannot be reproduced here."""
    results = []
    today = dt.date.today().isoformat()
    for slug in slugs:
        reason = not_reproducible_reason(slug)
        if reason:
            results.append(Result(slug, "not-reproducible", reason, {}, today))
    return results
