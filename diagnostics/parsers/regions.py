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
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from diagnostics import budget as work
from diagnostics import linear_re as re
from diagnostics.parsers.errors import MalformedPaste
from diagnostics.parsers.python_settings import NotPython, parse_module
from diagnostics.parsers.yamldocs import YamlDoc, load_documents

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
    """(line, command line) of each container / compose service command in a document."""
    for container in _containers(doc.data):
        words: list[str] = []
        for key in ("command", "args"):
            value = container.get(key)
            if isinstance(value, list):
                words.extend(str(v) for v in value)
            elif isinstance(value, str):
                words.append(value)
        if words:
            yield doc.line, " ".join(words)


def _containers(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if isinstance(data.get("services"), dict):
        for service in data["services"].values():
            if isinstance(service, dict):
                yield service
    spec = data.get("spec")
    for _ in range(3):  # Deployment/Job: spec.template.spec; CronJob: one level deeper
        if not isinstance(spec, dict):
            return
        for key in ("containers", "initContainers"):
            for container in spec.get(key) or []:
                if isinstance(container, dict):
                    yield container
        template = spec.get("template") or spec.get("jobTemplate")
        spec = template.get("spec") if isinstance(template, dict) else None
