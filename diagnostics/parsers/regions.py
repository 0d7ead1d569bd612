"""Find the Python and YAML regions of a mixed paste by their shape.

Sample (a log line, then settings, then a manifest):

    [2026-11-20 10:01:02,345: ERROR/MainProcess] consumer: Cannot connect ...
    CELERY_BROKER_URL = "amqp://app:****@rabbit//"
    CELERY_TASK_ACKS_LATE = True
    apiVersion: apps/v1
    kind: Deployment

A Python region starts at a line that looks like a statement (assignment,
import, decorator, def, `app.conf.update(`) and runs through indented,
blank and bracket-continuation lines; when the whole run does not parse, its
blank-line paragraphs are parsed greedily instead. A YAML region starts at
`apiVersion:`, `kind:`, `services:` or `---` and runs while lines look like
YAML.

A unified diff (a pull request's hunk, `git diff` output) is code with one
marker column in front: `diff_code_lines` takes the `+`, `-` and ` ` markers
off inside a hunk, in place, so every parser sees the code and line numbers
stay the paste's own. Both sides are kept (the user has or had that code);
`DiffLines.sides` says which line was removed or added. A setting or key on both
sides is read in line order, so the added value wins (a Python assignment, a
repeated YAML key); names that differ are all seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from diagnostics import budget as work
from diagnostics import linear_re as re
from diagnostics.facts import ServiceFact, kombu_vhost
from diagnostics.parsers.cmdline import parse_worker_commands
from diagnostics.parsers.errors import MalformedPaste
from diagnostics.parsers.python_settings import NotPython, parse_module
from diagnostics.parsers.yamldocs import YamlDoc, load_documents
from diagnostics.redact import mask_url

PY_START = re.compile(
    r"^(?:from\s+[\w.]+\s+import\b|import\s+[\w.]+|@[\w.]+|(?:async\s+)?def\s+\w+\s*\(|class\s+\w+"
    r"|[A-Za-z_][\w.]*(?:\[[^\]]{1,80}\])?\s*(?::\s*[\w\[\], .]+)?\s*[+]?=(?:[^=]|$)"
    r"|[A-Za-z_][\w.]*\.(?:update|config_from_object|apply_async|delay|add_periodic_task)\s*\()"
)
PY_CONTINUE = re.compile(
    r"^(?:\s+\S|[)\]}]|#|\s*$|else:|elif\b|except\b|finally:|try:|if\b|for\b|with\b|return\b)"
)
YAML_START = re.compile(
    r"^(?:apiVersion:|kind:|services:|---\s*$|version:\s*['\"]?\d)",
    needs=("apiVersion:", "kind:", "services:", "---", "version:"),
)
YAML_LINE = re.compile(r"^(?:\s*$|\s*#|\s+\S|-\s|---|\.\.\.|[\w\-\"'./]+:(?:\s|$))")
MAX_PARSES = 300
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@", needs=("@@",))
# git names the last top-level line before the hunk after its header: in YAML a key such
# as `services:`, in Python `app.conf.update(`, `class Config:`, `CELERY_BEAT_SCHEDULE = {`
HUNK_CONTEXT = re.compile(r"^@@ [^@]{1,60} @@ ([A-Za-z_].{0,200}?)\s*$", needs=("@@",))
YAML_PARENT = re.compile(r"^[A-Za-z_][\w.\-]*:$")
# `diff --git a/x b/x`, `diff -u old new`, `index 1a2b..3c4d 100644`, `--- a/x`, `+++ b/x`
# and a Markdown fence opened as ```diff or ```patch
DIFF_HEADER = re.compile(
    r"^(?:diff (?:--git|-\w)|index [0-9a-f]{6,}\.\.|--- \S|\+\+\+ \S|\s*```+\s*(?:diff|patch)\s*$)"
)
COMPOSE_FILE = re.compile(r"(?:^|/)(?:docker-)?compose[\w.\-]*\.ya?ml$")
SERVICE_KEY = re.compile(r"^ {1,8}[\w.\-]+:\s*(?:#.*)?$")
# a file name on a line of its own ("docker-compose.yml", "app/settings.py:", "Dockerfile")
FILE_NAME = re.compile(
    r"^\s*[`*]*(?:[\w.\-]+/)*(?:[\w.\-]+\.(?:py|ya?ml|sh|bash|conf|cfg|ini|toml|env|json|txt)"
    r"|Dockerfile[\w.\-]*|Procfile|\.env)[`*]*\s*:?\s*$"
)


@dataclass
class DiffLines:
    """The paste's lines with diff markers taken off; `sides` maps a 1-based line to "+"/"-"."""

    lines: list[str]
    sides: dict[int, str] = field(default_factory=dict)


def diff_code_lines(lines: list[str]) -> DiffLines:
    """The lines with the markers of every diff hunk taken off (other lines unchanged).

    A hunk is the run of lines after an `@@ -a,b +c,d @@` header, or, without one, a
    run of lines that all start with `+`, `-` or a space and either follows a diff
    header or a file name line, or holds removed and added lines of code (a marker
    followed by code, not by the one space of a Markdown bullet or a YAML list item).
    """
    out = DiffLines(list(lines))
    file_name = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(("+++ ", "diff --git ")) or (len(line) < 200 and FILE_NAME.match(line)):
            file_name = line.split()[-1].strip("`*:")
        if line.startswith("@@") and HUNK.match(line):
            end = _hunk_end(lines, index + 1)
            _unmark(out, index + 1, end)
            context = HUNK_CONTEXT.match(line)
            if context and _encloses(context.group(1), out.lines[index + 1 : end]):
                out.lines[index] = context.group(1)  # `@@ -3,6 +3,7 @@ services:`
            elif COMPOSE_FILE.search(file_name) and _service_first(out.lines[index + 1 : end]):
                out.lines[index] = "services:"  # a compose hunk that starts at a service
            index = end
            continue
        if line[:1] in ("+", "-"):
            end = _hunk_end(lines, index)
            start = _headerless_hunk(lines, index, end)
            if start is not None:
                _unmark(out, start, end)
            index = max(end, index + 1)  # a run that is no diff holds none: each line once
            continue
        index += 1
    return out


def _encloses(context: str, code: list[str]) -> bool:
    """The header's context line is the parent of the hunk's first line: a bare YAML key,
    or a line that opens a block or bracket when the hunk starts indented."""
    if YAML_PARENT.match(context):
        return True
    first = next((line for line in code if line.strip()), "")
    return first[:1] in (" ", "\t") and context[-1:] in ("(", "[", "{", ":")


def _service_first(code: list[str]) -> bool:
    """The hunk's first line is an indented key without a value (`  worker:`)."""
    first = next((line for line in code if line.strip()), "")
    return bool(SERVICE_KEY.match(first))


def _hunk_end(lines: list[str], index: int) -> int:
    while index < len(lines):
        line = lines[index]
        if line and line[0] not in "+- \\":
            break
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if line.startswith("--- ") and next_line.startswith("+++ "):  # the next file's header
            break
        index += 1
    while index > 0 and not lines[index - 1].strip():
        index -= 1  # trailing blank lines belong to what follows
    return index


def _headerless_hunk(lines: list[str], start: int, end: int) -> int | None:
    """Where the hunk holding lines[start:end] begins (its leading context lines
    included), or None when those lines are not a diff."""
    marked = [line for line in lines[start:end] if line[:1] in ("+", "-")]
    if not marked or any(DIFF_HEADER.match(line) for line in marked):
        return None
    while start > 0 and lines[start - 1][:1] == " " and lines[start - 1].strip():
        start -= 1  # context lines before the first change
    before = next((line for line in reversed(lines[max(0, start - 2) : start]) if line.strip()), "")
    signs = {line[0] for line in marked}
    if DIFF_HEADER.match(before):
        return start
    if FILE_NAME.match(before) and "+" in signs:  # a lone "- item" list is YAML or Markdown
        return start
    if len(signs) == 2 and any(_code_after_marker(line) for line in marked):
        return start
    return None


def _code_after_marker(line: str) -> bool:
    """`-BROKER_URL = ...` or `+    image: redis:7`, not `- item` nor `--- *** ---`."""
    rest = line[1:]
    if not rest.strip() or rest[0] == line[0]:
        return False
    return rest[0] != " " or rest.startswith("  ")


def _unmark(out: DiffLines, start: int, end: int) -> None:
    for index in range(start, end):
        line = out.lines[index]
        if line[:1] in ("+", "-"):
            out.sides[index + 1] = line[0]
            out.lines[index] = line[1:]
        elif line.startswith("\\"):  # "\ No newline at end of file"
            out.lines[index] = ""
        elif line.startswith(" "):
            out.lines[index] = line[1:]


def python_regions(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(first line, source) of every region that parses as Python."""
    budget = [MAX_PARSES]
    index = 0
    while index < len(lines):
        if not PY_START.match(lines[index]):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and (PY_CONTINUE.match(lines[end]) or PY_START.match(lines[end])):
            end += 1
        yield from _parsable(lines, index, end, budget)
        index = end


def _parsable(lines: list[str], start: int, end: int, budget: list[int]):
    source = "\n".join(lines[start:end])
    if _parses(source, budget):
        yield start + 1, source
        return
    paragraphs = _paragraphs(lines, start, end)
    i = 0
    while i < len(paragraphs):
        best = None
        for j in range(i, min(len(paragraphs), i + 8)):
            candidate = "\n".join(lines[paragraphs[i][0] : paragraphs[j][1]])
            if _parses(candidate, budget):
                best = (j, candidate)
        if best is None:
            i += 1
            continue
        yield paragraphs[i][0] + 1, best[1]
        i = best[0] + 1


def _paragraphs(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    begin = None
    for index in range(start, end + 1):
        blank = index == end or not lines[index].strip()
        if blank and begin is not None:
            out.append((begin, index))
            begin = None
        elif not blank and begin is None and PY_START.match(lines[index]):
            begin = index
    return out


def _parses(source: str, budget: list[int]) -> bool:
    if budget[0] <= 0:
        return False
    budget[0] -= 1
    work.checkpoint("Python", work=len(source))
    try:
        parse_module(source)
    except NotPython:
        return False
    except MalformedPaste:
        return True  # ours but hostile: the config parser turns it into a notice
    return True


def yaml_regions(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(first line, text) of every run of YAML-looking lines that starts like a document."""
    index = 0
    while index < len(lines):
        if not YAML_START.match(lines[index]):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and YAML_LINE.match(lines[end]):
            end += 1
        yield index + 1, "\n".join(lines[index:end])
        index = end


def load_yaml_region(region: tuple[int, str]) -> list[YamlDoc]:
    """The documents of one region; a broken document is skipped, a hostile one raises."""
    first_line, text = region
    try:
        return load_documents(text, first_line)
    except yaml.YAMLError:
        pass
    docs: list[YamlDoc] = []
    offset = first_line
    for part in re.split(r"(?m)^---[^\n]*\n", text):
        try:
            docs.extend(load_documents(part, offset))
        except yaml.YAMLError:
            pass
        except MalformedPaste:
            raise
        offset += part.count("\n") + 1
    return docs


def yaml_commands(doc: YamlDoc) -> Iterator[tuple[int, str]]:
    """(line, command line) of each container / compose service command in a document,
    at the line of its `command:` (or `args:`) key."""
    for path, _, container in _container_entries(doc.data):
        words: list[str] = []
        line = None
        for key in ("command", "args"):
            value = container.get(key)
            if isinstance(value, list):
                words.extend(str(v) for v in value)
            elif isinstance(value, str):
                words.append(value)
            if value:
                line = line or doc.key_lines.get(f"{path}.{key}")
        if words:
            yield line or doc.line, " ".join(words)


def _containers(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for _, _, container in _container_entries(data):
        yield container


def _container_entries(data: dict[str, Any], where: str = "") -> Iterator[tuple[str, str, dict]]:
    """(key path, network namespace, mapping) of each compose service and pod container."""
    services = data.get("services")
    if isinstance(services, dict):
        for name, service in services.items():
            if isinstance(service, dict):
                path = f"services.{name}"
                yield path, _compose_network(str(service.get("network_mode") or ""), path), service
    for pod_path, pod in _pod_specs(data):
        network = "host" if pod.get("hostNetwork") is True else f"pod:{where}{pod_path}"
        for key in ("containers", "initContainers"):
            containers = pod.get(key)
            for index, container in enumerate(containers if isinstance(containers, list) else []):
                if isinstance(container, dict):
                    yield f"{pod_path}.{key}.{index}", network, container


def _pod_specs(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    spec, path = data.get("spec"), "spec"
    for _ in range(3):  # Deployment/Job: spec.template.spec; CronJob: one level deeper
        if not isinstance(spec, dict):
            return
        yield path, spec
        key = "template" if spec.get("template") else "jobTemplate"
        template = spec.get(key)
        spec = template.get("spec") if isinstance(template, dict) else None
        path = f"{path}.{key}.spec"


# `--broker=amqp://...`, `-b redis://...`, `CELERY_BROKER_URL=amqp://...` in a command line
COMMAND_BROKER = re.compile(
    r"(?:--broker[=\s]\s*|(?:^|\s)-b\s+|BROKER_URL[=:]\s*)[\"']?([a-z][a-z0-9+]*://[^\s'\";]+)",
    re.IGNORECASE,
)
BROKER_SCHEMES = ("amqp", "amqps", "pyamqp", "librabbitmq", "redis", "rediss", "sentinel")


def service_facts(doc: YamlDoc) -> list[ServiceFact]:
    """The services of a compose file, or the containers of a Kubernetes workload."""
    out: list[ServiceFact] = []
    source = "compose" if doc.kind == "compose" else "kubernetes"
    spec = doc.data.get("spec")
    workload_replicas = (
        spec.get("replicas")
        if doc.kind in ("Deployment", "StatefulSet", "ReplicaSet") and isinstance(spec, dict)
        else None
    )
    for path, network, container in _container_entries(doc.data, f"{doc.line}:"):
        name = path.split(".", 1)[1] if source == "compose" else str(container.get("name") or "?")
        fact = _service_fact(doc, name, container, source, network, path)
        grace_path = f"{path}.stop_grace_period"
        if source == "kubernetes":
            grace_path = path.rsplit(".", 2)[0] + ".terminationGracePeriodSeconds"
        grace = _seconds(_lookup(doc.data, grace_path))
        if grace is not None:
            fact.grace_seconds, fact.grace_line = grace, doc.key_lines.get(grace_path)
        replicas = _compose_replicas(container) if source == "compose" else workload_replicas
        if isinstance(replicas, int) and not isinstance(replicas, bool):
            fact.replicas = replicas
        out.append(fact)
    return out


def _lookup(data: Any, path: str) -> Any:
    """The value at a dotted key path ("spec.template.spec.x"; digits index lists)."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def _seconds(value: Any) -> float | None:
    """Seconds of a number, a numeric string, or a compose duration ("1m30s", "600s")."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    found = DURATION.match(text) if text else None
    if found is None or not any(found.groups()):
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def _compose_replicas(service: dict[str, Any]) -> Any:
    deploy = service.get("deploy")
    if isinstance(deploy, dict) and "replicas" in deploy:
        return deploy["replicas"]
    return service.get("scale")


def _compose_network(mode: str, path: str) -> str:
    """`network_mode`: "host", "service:<name>" (that service's namespace) or "container:<id>"."""
    if mode == "host" or mode.startswith("container:"):
        return mode
    if mode.startswith("service:"):
        return "services." + mode.split(":", 1)[1]
    return path


def _service_fact(
    doc: YamlDoc, name: str, service: dict[str, Any], source: str, network: str, path: str
) -> ServiceFact:
    fact = ServiceFact(name, source, network, line=doc.key_lines.get(path) or doc.line)
    image = service.get("image")
    fact.image = str(image) if isinstance(image, (str, int, float)) else None
    command_text, command_line = [], None
    for key in ("entrypoint", "command", "args"):
        words = service.get(key)
        text = " ".join(str(w) for w in words) if isinstance(words, list) else str(words or "")
        line = doc.key_lines.get(f"{path}.{key}") or fact.line
        for match in COMMAND_BROKER.finditer(text[:4000]):
            _add_broker_url(fact, match.group(1), line)
        if text:
            command_text.append(text[:4000])
            command_line = line if key != "entrypoint" or command_line is None else command_line
    workers = parse_worker_commands([" ".join(command_text).replace("\n", " ")])
    if workers:
        options = workers[0].options
        fact.worker = {
            "node_name": options.get("hostname"),
            "time_limit": _seconds(options.get("time_limit", "")),
            "line": command_line,
            "beat": workers[0].beat,
        }
    for variable, value, key_path in _environment(service):
        line = doc.key_lines.get(f"{path}.{key_path}") or doc.key_lines.get(
            f"{path}.{key_path.split('.', 1)[0]}"
        )
        fact.env_lines.setdefault(variable, line or fact.line or doc.line)
        if variable == "RABBITMQ_DEFAULT_VHOST":
            fact.default_vhost = value.strip()
        scheme = value.split("://", 1)[0].lower()
        if "BROKER" in variable.upper() or scheme in BROKER_SCHEMES[:4]:
            _add_broker_url(fact, value, line or fact.line)
        if scheme in BROKER_SCHEMES:
            try:
                host = urlsplit(value.strip("'\"")).hostname or ""
            except ValueError:
                host = ""
            fact.env_broker_urls.append(
                {"variable": variable, "url": mask_url(value), "host": host, "line": line}
            )
    if source == "compose":
        _add_compose_fields(doc, fact, service, path)
    else:
        mounts = service.get("volumeMounts")
        for index, mount in enumerate(mounts if isinstance(mounts, list) else []):
            if isinstance(mount, dict) and mount.get("mountPath"):
                fact.volumes.append(
                    {
                        "source": str(mount.get("name") or ""),
                        "target": str(mount["mountPath"]),
                        "bind": False,
                        "line": doc.key_lines.get(f"{path}.volumeMounts.{index}") or fact.line,
                    }
                )
    return fact


def _add_compose_fields(
    doc: YamlDoc, fact: ServiceFact, service: dict[str, Any], path: str
) -> None:
    """Start order, healthcheck, volumes, user and hostname of a compose service."""
    depends = service.get("depends_on")
    if isinstance(depends, list):
        for index, name in enumerate(depends):
            if isinstance(name, str):
                line = doc.key_lines.get(f"{path}.depends_on.{index}")
                fact.depends_on.append({"service": name, "condition": "", "line": line})
    elif isinstance(depends, dict):
        for name, spec in depends.items():
            condition = spec.get("condition") if isinstance(spec, dict) else None
            line = doc.key_lines.get(f"{path}.depends_on.{name}")
            fact.depends_on.append(
                {"service": str(name), "condition": str(condition or ""), "line": line}
            )
    check = service.get("healthcheck")
    fact.healthcheck = isinstance(check, dict) and check.get("disable") is not True
    volumes = service.get("volumes")
    for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
        mount = _compose_volume(volume)
        if mount is not None:
            mount["line"] = doc.key_lines.get(f"{path}.volumes.{index}") or fact.line
            fact.volumes.append(mount)
    for key in ("user", "hostname"):
        value = service.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            setattr(fact, key, str(value))


WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _compose_volume(volume: Any) -> dict[str, Any] | None:
    """{source, target, bind} of a compose volume, short (`src:dst[:mode]`) or long syntax.

    A source with a slash, or starting with `.` or `~`, is a host path (a bind mount);
    a bare name is a named volume; no source is an anonymous volume.
    """
    if isinstance(volume, dict):
        target = volume.get("target")
        if not isinstance(target, str):
            return None
        source = str(volume.get("source") or "")
        bind = volume.get("type") == "bind" or _host_path(source)
        return {"source": source, "target": target, "bind": bind}
    if not isinstance(volume, str) or not volume.strip():
        return None
    text = volume.strip()
    drive = ""
    if WINDOWS_DRIVE.match(text):
        drive, text = text[:2], text[2:]
    parts = text.split(":")
    if len(parts) == 1:
        return {"source": "", "target": drive + parts[0], "bind": False}
    source = drive + parts[0]
    return {"source": source, "target": parts[1], "bind": _host_path(source)}


def _host_path(source: str) -> bool:
    return "/" in source or "\\" in source or source.startswith((".", "~"))


def _environment(service: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(variable, value, key path of the value) of a compose `environment` (mapping or
    `KEY=value` list) or a Kubernetes `env` list."""
    key = "environment" if "environment" in service else "env"
    env = service.get(key)
    if isinstance(env, dict):
        for name, value in env.items():
            yield str(name), str(value), f"{key}.{name}"
    for index, item in enumerate(env if isinstance(env, list) else []):
        if isinstance(item, dict) and "name" in item and isinstance(item.get("value"), str):
            yield str(item["name"]), item["value"], f"{key}.{index}.value"
        elif isinstance(item, str) and "=" in item:
            name, value = item.split("=", 1)
            yield name, value, f"{key}.{index}"


def _add_broker_url(fact: ServiceFact, url: str, line: int | None) -> None:
    for one in url.strip("'\"").split(";")[:8]:  # kombu's failover list
        scheme = one.split("://", 1)[0].lower()
        if scheme not in BROKER_SCHEMES:
            continue
        try:
            parts = urlsplit(one)
            host = parts.hostname or ""
        except ValueError:
            continue
        use: dict[str, Any] = {"url": mask_url(one), "host": host, "line": line}
        if scheme in BROKER_SCHEMES[:4]:  # AMQP
            use["vhost"] = kombu_vhost(parts.path)
        fact.broker_urls.append(use)
