"""A paste, split into regions, each parsed by the module for its kind.

    >>> parsed = parse_paste("celery -A proj worker -P solo -Q a,b")
    >>> parsed.config.pool, parsed.config.worker_queues
    ('solo', ['a', 'b'])

One paste often mixes kinds (a traceback, then the settings, then a manifest).
A diff's markers are taken off first (`regions.diff_code_lines`), so the code of
a pull request's hunk reads as code; `ParsedPaste.diff_sides` keeps which lines
were removed or added. Exceptions and log lines are read from every line; Python and YAML regions are
found by their shape and parsed on their own. A region of another kind is
skipped quietly ("not mine", `NotMine`); a hostile or broken region of a kind we
parse becomes a notice (`ParsedPaste.notices`) shown to the user.

Each parser module registers itself with `PARSER` and a sample in its docstring
(diagnostics.parsers.base); those with a field below are wired here, any other
runs on the whole paste and files its facts under `ParsedPaste.extra[kind]`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from diagnostics import budget
from diagnostics.facts import BrokerFact, CeleryConfigFact, ExceptionFact, QueueDecl, ServiceFact
from diagnostics.parsers import regions
from diagnostics.parsers.base import NotMine, registered_parsers
from diagnostics.parsers.brokerconf import parse_broker_settings
from diagnostics.parsers.cmdline import WorkerCommand, parse_worker_command, parse_worker_commands
from diagnostics.parsers.errors import MalformedPaste, PasteError
from diagnostics.parsers.logs import LogLine, classify_log_lines, refused_vhosts
from diagnostics.parsers.prose_settings import prose_config
from diagnostics.parsers.python_settings import NotPython, parse_python_config
from diagnostics.parsers.requirements import Requirements, parse_requirements
from diagnostics.parsers.text import LogicalLine, clean_lines, logical_lines
from diagnostics.parsers.traceback import parse_exceptions
from diagnostics.parsers.yamldocs import YamlDoc, binding_from_cr, exchange_from_cr, queue_from_cr

__all__ = [
    "MalformedPaste",
    "NotMine",
    "ParsedPaste",
    "PasteError",
    "parse_celery_config",
    "parse_paste",
]


@dataclass
class ParsedPaste:
    """Everything the parsers found in one paste; line numbers are 1-based paste lines."""

    lines: list[str]
    logical: list[LogicalLine]
    diff_sides: dict[int, str] = field(default_factory=dict)  # diff line -> "+" / "-"
    exceptions: list[ExceptionFact] = field(default_factory=list)
    config: CeleryConfigFact | None = None
    queues: list[QueueDecl] = field(default_factory=list)  # from topology-operator CRs
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    bindings: list[dict[str, Any]] = field(default_factory=list)
    yaml_docs: list[YamlDoc] = field(default_factory=list)
    worker_commands: list[WorkerCommand] = field(default_factory=list)
    services: list[ServiceFact] = field(default_factory=list)  # compose services, k8s containers
    yaml_command_spans: list[tuple[int, int]] = field(default_factory=list)  # lines, in order
    requirements: Requirements | None = None
    broker: BrokerFact | None = None
    log_lines: list[LogLine] = field(default_factory=list)
    refused_vhosts: dict[str, int] = field(default_factory=dict)  # "vhost X not found" -> line
    kinds: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # facts of unwired parsers, by kind


def parse_paste(text: str) -> ParsedPaste:
    """Parse every region of `text` (already size-checked and decoded)."""
    diff = regions.diff_code_lines(clean_lines(text))
    parsed = ParsedPaste(lines=diff.lines, logical=logical_lines(diff.lines), diff_sides=diff.sides)
    stages = (
        ("exceptions", _parse_exceptions),
        ("log lines", _parse_log_lines),
        ("YAML", _parse_yaml_regions),
        ("Python", _parse_python_regions),
        ("worker commands", _parse_worker_commands),
        ("requirements", _parse_requirements),
        ("broker settings", _parse_broker_settings),
        ("other parsers", _run_unwired_parsers),
    )
    stopped = False
    try:
        for name, stage in stages:
            budget.checkpoint(name)
            stage(parsed)
    except budget.BudgetExceeded as exc:  # past the deadline: what was parsed is the answer
        parsed.notices.append(budget.notice(exc.stage))
        stopped = True
    _apply_worker_commands(parsed)
    parsed.kinds = _kinds(parsed)  # a setting named in a sentence makes no config kind
    if not stopped:
        try:
            budget.checkpoint("settings in sentences")
            _add_prose_settings(parsed)
        except budget.BudgetExceeded as exc:  # the same: answer with what was parsed
            parsed.notices.append(budget.notice(exc.stage))
    return parsed


def _add_prose_settings(parsed: ParsedPaste) -> None:
    """Settings assigned in sentences, for the settings no config region of the paste sets."""
    config = parsed.config
    skip = set(config.settings) if config is not None else set()
    prose = prose_config(parsed.lines, skip=skip)
    if prose is None:
        return
    if config is not None:
        if "task_acks_late" in skip:
            prose.acks_late = None
        if "broker_url" in skip:
            prose.broker_url, prose.broker_url_values = None, []
        for key in list(prose.time_limits):
            if key in config.time_limits:
                del prose.time_limits[key]
                prose.time_limit_lines.pop(key, None)
    parsed.config = _merge(config, prose)


def _parse_exceptions(parsed: ParsedPaste) -> None:
    parsed.exceptions = parse_exceptions(parsed.lines)


def _parse_log_lines(parsed: ParsedPaste) -> None:
    parsed.log_lines = classify_log_lines(parsed.lines)
    parsed.refused_vhosts = refused_vhosts(parsed.lines)


def _parse_worker_commands(parsed: ParsedPaste) -> None:
    # a command inside a YAML document that gave commands was read there, whole
    starts = [start for start, _ in parsed.yaml_command_spans]
    for command in parse_worker_commands(parsed.lines):
        at = bisect.bisect_right(starts, command.line) - 1
        if at < 0 or command.line > parsed.yaml_command_spans[at][1]:
            parsed.worker_commands.append(command)


def _parse_requirements(parsed: ParsedPaste) -> None:
    parsed.requirements = parse_requirements(parsed.lines)


def _parse_broker_settings(parsed: ParsedPaste) -> None:
    parsed.broker = parse_broker_settings(
        parsed.lines, parsed.config.broker_url if parsed.config else None
    )


def _run_unwired_parsers(parsed: ParsedPaste) -> None:
    text = "\n".join(parsed.lines)
    for parser in registered_parsers():
        if parser.wired:
            continue
        budget.checkpoint(parser.kind)
        try:
            parsed.extra[parser.kind] = parser.parse(text)
        except NotMine:
            continue
        except MalformedPaste as exc:
            parsed.notices.append(str(exc))


def parse_celery_config(text: str) -> CeleryConfigFact:
    """The Celery config a Python snippet or worker command line describes (empty if none)."""
    parsed = parse_paste(text)
    return parsed.config or CeleryConfigFact()


def _parse_yaml_regions(parsed: ParsedPaste) -> None:
    for region in regions.yaml_regions(parsed.lines):
        budget.checkpoint("YAML", work=len(region[1]))
        try:
            docs = regions.load_yaml_region(region)
        except MalformedPaste as exc:
            parsed.notices.append(str(exc))
            continue
        found = len(parsed.worker_commands)
        for doc in docs:
            _add_yaml_doc(parsed, doc)
        if len(parsed.worker_commands) > found:
            parsed.yaml_command_spans.append((region[0], region[0] + region[1].count("\n")))


def _add_yaml_doc(parsed: ParsedPaste, doc: YamlDoc) -> None:
    parsed.yaml_docs.append(doc)
    parsed.services.extend(regions.service_facts(doc))
    queue = queue_from_cr(doc)
    if queue is not None:
        parsed.queues.append(queue)
    exchange = exchange_from_cr(doc)
    if exchange is not None:
        parsed.exchanges.append(exchange)
    binding = binding_from_cr(doc)
    if binding is not None:
        parsed.bindings.append(binding)
    for line, command in regions.yaml_commands(doc):
        worker = parse_worker_command(command, line)
        if worker is not None:
            parsed.worker_commands.append(worker)


def _parse_python_regions(parsed: ParsedPaste) -> None:
    loaders: list[CeleryConfigFact] = []
    _parse_python_region_facts(parsed, loaders)
    if parsed.config is None and loaders:
        # no settings, but a module Celery is shown to load that names the broker wrongly
        merged = CeleryConfigFact()
        for fact in loaders:
            merged = _merge(merged, fact)
        loaded = merged.config_namespace is not None or merged.unnamespaced_config_line
        on_conf = any(name.startswith("app.conf.") for name in merged.unread_broker_names)
        if merged.unread_broker_names and (loaded or on_conf):
            parsed.config = merged
        return
    if parsed.config is not None:
        for fact in loaders:
            parsed.config = _merge(parsed.config, fact)


def _parse_python_region_facts(parsed: ParsedPaste, loaders: list[CeleryConfigFact]) -> None:
    for first_line, source in regions.python_regions(parsed.lines):
        try:
            fact = parse_python_config(source, first_line=first_line)
        except MalformedPaste as exc:
            parsed.notices.append(f"line {first_line}: {exc}")
            continue
        except NotPython:
            continue
        if fact is not None and fact.loader_only:
            loaders.append(fact)
        elif fact is not None:
            parsed.config = _merge(parsed.config, fact)


def _merge(into: CeleryConfigFact | None, fact: CeleryConfigFact) -> CeleryConfigFact:
    if into is None:
        return fact
    into.settings.update(fact.settings)
    into.setting_lines.update(fact.setting_lines)
    into.routes.update(fact.routes)
    into.route_lines.update(fact.route_lines)
    into.time_limits.update(fact.time_limits)
    into.time_limit_lines.update(fact.time_limit_lines)
    into.module_settings.update(fact.module_settings)
    into.name_lines.update(fact.name_lines)
    into.config_namespace = fact.config_namespace or into.config_namespace
    into.unnamespaced_config_line = into.unnamespaced_config_line or fact.unnamespaced_config_line
    for name, line in fact.unread_broker_names.items():
        into.unread_broker_names.setdefault(name, line)
    for name, line in fact.init_script_vars.items():
        into.init_script_vars.setdefault(name, line)
    into.fanout_exchanges.update(fact.fanout_exchanges)
    into.prose_settings.update(fact.prose_settings)
    for name in (
        "old_names",
        "new_names",
        "queues",
        "get_in_task",
        "countdown_lines",
        "priority_lines",
        "broadcasts",
        "broker_url_values",
        "chord_lines",
    ):
        getattr(into, name).extend(getattr(fact, name))
    for module, line in fact.imports.items():
        into.imports.setdefault(module, line)
    into.acks_late = fact.acks_late if fact.acks_late is not None else into.acks_late
    into.priority_used = into.priority_used or fact.priority_used
    into.broker_url = fact.broker_url or into.broker_url
    if fact.max_countdown_s is not None:
        into.max_countdown_s = max(into.max_countdown_s or 0.0, fact.max_countdown_s)
    return into


def _apply_worker_commands(parsed: ParsedPaste) -> None:
    if not parsed.worker_commands:
        return
    config = parsed.config or CeleryConfigFact()
    for command in parsed.worker_commands:
        config.pool = command.pool or config.pool
        config.concurrency = command.concurrency or config.concurrency
        _apply_command_options(config, command)
        for name in command.queues:
            if name not in config.worker_queues:
                config.worker_queues.append(name)
    parsed.config = config


# worker options that override a setting (the command line wins over the config)
COMMAND_OPTIONS = {
    "prefetch_multiplier": ("worker_prefetch_multiplier", None),
    "time_limit": ("task_time_limit", "*"),
    "soft_time_limit": ("task_soft_time_limit", "*soft"),
}


def _apply_command_options(config: CeleryConfigFact, command: WorkerCommand) -> None:
    for option, (setting, limit_key) in COMMAND_OPTIONS.items():
        text = command.options.get(option, "")
        try:
            value = float(text) if limit_key else int(text)
        except ValueError:
            continue
        if not limit_key and not value:
            continue  # celery worker reads `--prefetch-multiplier 0` as "not given"
        config.settings[setting] = value
        config.setting_lines[setting] = command.line
        if limit_key:
            config.time_limits[limit_key] = value
            config.time_limit_lines[limit_key] = command.line


def _kinds(parsed: ParsedPaste) -> list[str]:
    kinds: list[str] = []
    if parsed.exceptions:
        kinds.append("exception")
    kinds.extend(sorted({f"{log.source}-log" for log in parsed.log_lines}))
    if parsed.config is not None and (parsed.config.settings or parsed.config.get_in_task):
        kinds.append("python-config")
    kinds.extend(sorted({f"yaml:{doc.kind or 'other'}" for doc in parsed.yaml_docs}))
    if parsed.worker_commands:
        kinds.append("worker-command")
    if parsed.requirements is not None:
        kinds.extend(parsed.requirements.sources)
    kinds.extend(sorted(parsed.extra))
    return kinds or ["text"]
