"""Celery configuration written in Python, read with `ast` (never imported or executed).

Sample (Django settings with the CELERY_ namespace, a quorum queue, a task):

    from kombu import Exchange, Queue
    CELERY_BROKER_URL = "amqp://svc:****@rabbit:5672/eco2"
    CELERY_TASK_QUEUES = (
        Queue("scan.vision", Exchange("scan"), routing_key="scan.vision",
              queue_arguments={"x-queue-type": "quorum"}),
    )
    app.conf.update(task_acks_late=True, broker_transport_options={"global_qos": False})

    @shared_task
    def scan(image_id):
        return ocr.delay(image_id).get(timeout=10)

Understood: module-level assignments (plain, Django `CELERY_` namespace, old
UPPERCASE names), `app.conf.update(...)`, `app.conf.x = ...`,
`Celery(broker=...)`, `Queue(...)` / `Exchange(...)` / `Broadcast(...)` in
`task_queues`, `task_routes`, `apply_async(countdown=, eta=, priority=)`,
task decorator options, and `.get()` inside `@app.task` / `@shared_task`
bodies. Values that are not literals are recorded as None.
"""

from __future__ import annotations

import ast
from typing import Any

from celery.app.defaults import _TO_NEW_KEY, SETTING_KEYS

from diagnostics import budget
from diagnostics import linear_re as re
from diagnostics.facts import CeleryConfigFact
from diagnostics.parsers import queue_settings
from diagnostics.parsers.base import NotMine, Parser
from diagnostics.parsers.errors import MalformedPaste
from diagnostics.parsers.literals import UNKNOWN, call_name, literal_value, plain
from diagnostics.parsers.text import bracket_depth
from diagnostics.redact import mask_url

MAX_SOURCE = 512 * 1024
MAX_NESTING = 100
MAX_DOTTED_PARTS = 100
# A dotted name of more than MAX_DOTTED_PARTS parts (continuation lines allowed): CPython's
# parser takes time quadratic in the parts of an `import a.a.a...` name (100 KB: seconds).
_LONG_DOTTED_NAME = re.compile(
    r"[A-Za-z_]\w*(?:[ \t]*(?:\\\r?\n)?[ \t]*\.[ \t]*(?:\\\r?\n)?[ \t]*[A-Za-z_]\w*)"
    + f"{{{MAX_DOTTED_PARTS}}}"
)
TASK_DECORATORS = {"task", "shared_task", "periodic_task"}
# A name meant as the broker setting that is none of Celery's (`setting_name` is None for it):
# `broker`, `BROKER`, `broker_uri`, lowercase `celery_broker_url`, `CELERY_BROKER`
UNREAD_BROKER_NAME = re.compile(r"^(?:celery_)?broker(?:_?ur[il])?$", re.IGNORECASE)
# Variables of Celery's generic init script (extra/generic-init.d/celeryd, celerybeat), which
# sources /etc/default/celeryd as a shell script and exports none of them to the worker
INIT_SCRIPT_VARIABLES = frozenset(
    (
        "CELERYD_NODES",
        "CELERY_BIN",
        "CELERY_APP",
        "CELERYD_CHDIR",
        "CELERYD_OPTS",
        "CELERYD_LOG_FILE",
        "CELERYD_PID_FILE",
        "CELERYD_LOG_LEVEL",
        "CELERYD_USER",
        "CELERYD_GROUP",
        "CELERY_CREATE_DIRS",
        "CELERYD_MULTI",
        "CELERYBEAT_CHDIR",
        "CELERYBEAT_OPTS",
        "CELERYBEAT_LOG_FILE",
        "CELERYBEAT_PID_FILE",
        "CELERYBEAT_USER",
        "CELERYBEAT_GROUP",
    )
)
SCHEDULE_KEYS = {"countdown", "eta"}


def parse_python_config(source: str, *, first_line: int = 1) -> CeleryConfigFact | None:
    """The config `source` describes, or None when it is Python with nothing Celery in it.

    Raises MalformedPaste for Python too large or too deeply nested to analyse.
    """
    tree = parse_module(source)
    collector = _Collector(first_line - 1)
    collector.visit_module(tree)
    fact = collector.fact
    if not (
        fact.settings
        or fact.queues
        or fact.get_in_task
        or fact.countdown_lines
        or fact.priority_lines
        or fact.imports.keys() & _CELERY_MODULES
    ):
        if (
            fact.config_namespace is not None
            or fact.unnamespaced_config_line is not None
            or fact.unread_broker_names
        ):
            fact.loader_only = True  # how the app loads its config, kept only beside a config
            return fact
        return None
    return fact


_CELERY_MODULES = {
    "celery",
    "kombu",
    "django_celery_results",
    "django_celery_beat",
    "celery_batches",
}


def parse_module(source: str) -> ast.Module:
    """`ast.parse` with size and nesting caps (MalformedPaste when over them)."""
    if len(source) > MAX_SOURCE:
        raise MalformedPaste(f"Python over {MAX_SOURCE // 1024} KB is not analysed")
    if bracket_depth(source, "([{", ")]}") > MAX_NESTING:
        raise MalformedPaste(f"Python nested deeper than {MAX_NESTING} levels is not analysed")
    if "." in source and _LONG_DOTTED_NAME.search(source):
        raise MalformedPaste(
            f"Python with a dotted name of over {MAX_DOTTED_PARTS} parts is not analysed"
        )
    budget.checkpoint("Python settings", work=len(source))
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        raise NotPython(str(exc)) from exc
    except (RecursionError, MemoryError) as exc:
        raise MalformedPaste("Python too deeply nested to analyse") from exc


# The one "not mine" exception, under the name regions.py catches it by.
NotPython = NotMine


def setting_name(raw: str) -> tuple[str, str] | None:
    """(new-style name, "new" | "namespaced" | "old") for a config key, None if not Celery's."""
    if raw in SETTING_KEYS:
        return raw, "new"
    if raw.startswith("CELERY_") and raw[7:].lower() in SETTING_KEYS:
        return raw[7:].lower(), "namespaced"
    if raw in _TO_NEW_KEY:
        return _TO_NEW_KEY[raw], "old"
    return None


class _Collector:
    """Walks one module and fills a CeleryConfigFact."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.env: dict[str, Any] = {}
        self.nodes: dict[str, ast.AST] = {}
        self.fact = CeleryConfigFact()

    def line(self, node: ast.AST) -> int:
        return getattr(node, "lineno", 0) + self.offset

    def visit_module(self, tree: ast.Module) -> None:
        for statement in tree.body:
            self.visit_statement(statement)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self.visit_call(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.visit_import(node)
        queue_settings.collect_queues(self)

    def visit_statement(self, statement: ast.stmt) -> None:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                self.visit_assignment(target, statement.value)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.visit_function(statement)

    def visit_assignment(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = literal_value(value, self.env)
            self.nodes[target.id] = value
            self.record_setting(target.id, value)
            if setting_name(target.id) is not None:
                self.fact.module_settings[target.id] = self.line(value)
            if target.id == "INSTALLED_APPS":
                self.record_installed_apps(value)
            if target.id in INIT_SCRIPT_VARIABLES:
                self.fact.init_script_vars.setdefault(target.id, self.line(value))
        elif isinstance(target, ast.Attribute) and _is_conf(target.value):
            self.record_setting(target.attr, value, on_conf=True)
        elif isinstance(target, ast.Subscript) and _is_conf(target.value):
            key = literal_value(target.slice, self.env)
            if isinstance(key, str):
                self.record_setting(key, value, on_conf=True)

    def record_installed_apps(self, value: ast.AST) -> None:
        apps = literal_value(value, self.env)
        for app in apps if isinstance(apps, list) else []:
            if isinstance(app, str):
                self.fact.imports.setdefault(app.split(".")[0], self.line(value))

    def record_setting(self, raw: str, value: ast.AST, on_conf: bool = False) -> None:
        named = setting_name(raw)
        if named is None:
            if UNREAD_BROKER_NAME.match(raw) and _string_like(value, self.env):
                spelled = f"app.conf.{raw}" if on_conf else raw
                self.fact.unread_broker_names.setdefault(spelled, self.line(value))
            return
        name, style = named
        (self.fact.old_names if style == "old" else self.fact.new_names).append(raw)
        self.fact.settings[name] = plain(literal_value(value, self.env))
        self.fact.setting_lines[name] = self.fact.name_lines[raw] = self.line(value)
        self.nodes[f"setting:{name}"] = value
        self.apply_setting(name, self.fact.settings[name])

    def apply_setting(self, name: str, value: Any) -> None:
        fact = self.fact
        if name == "task_acks_late" and isinstance(value, bool):
            fact.acks_late = value
        elif name == "broker_url" and isinstance(value, str):
            fact.broker_url = mask_url(value)
            fact.settings[name] = fact.broker_url
            entry = {"url": fact.broker_url, "line": fact.setting_lines.get(name, 0)}
            unencoded = unencoded_userinfo(value)
            if unencoded:
                # the password may sit where a user name belongs: mask all the credentials
                scheme, _, rest = value.partition("://")
                fact.broker_url = f"{scheme}://****@{rest.rpartition('@')[2]}"
                fact.settings[name] = entry["url"] = fact.broker_url
                entry["unencoded"] = unencoded
            fact.broker_url_values.append(entry)
        elif name in ("task_time_limit", "task_soft_time_limit") and _number(value):
            key = "*" if name == "task_time_limit" else "*soft"
            fact.time_limits[key] = float(value)
            fact.time_limit_lines[key] = fact.setting_lines.get(name, 0)
        elif name in ("task_default_priority", "task_queue_max_priority") and value is not None:
            fact.priority_used = fact.priority_used or name == "task_default_priority"

    def visit_call(self, call: ast.Call) -> None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "update" and _is_conf(func.value):
            self.visit_conf_update(call)
        elif call_name(call) == "config_from_object":
            if not any(keyword.arg == "namespace" for keyword in call.keywords):
                self.fact.unnamespaced_config_line = self.line(call)
            for keyword in call.keywords:
                namespace = literal_value(keyword.value, self.env)
                if keyword.arg == "namespace" and isinstance(namespace, str):
                    self.fact.config_namespace = namespace
        elif call_name(call) == "chord":
            self.fact.chord_lines.append(self.line(call))
        elif call_name(call) == "Celery":
            for keyword in call.keywords:
                if keyword.arg in ("broker", "backend", "include"):
                    key = {"broker": "broker_url", "backend": "result_backend"}.get(keyword.arg)
                    if key:
                        self.record_setting(key, keyword.value)
        for keyword in call.keywords:
            self.visit_call_keyword(call, keyword)

    def visit_conf_update(self, call: ast.Call) -> None:
        for keyword in call.keywords:
            if keyword.arg:
                self.record_setting(keyword.arg, keyword.value, on_conf=True)
        for arg in call.args:
            if isinstance(arg, ast.Dict):
                for key, value in zip(arg.keys, arg.values, strict=False):
                    key_value = literal_value(key, self.env)
                    if isinstance(key_value, str):
                        self.record_setting(key_value, value, on_conf=True)

    def visit_call_keyword(self, call: ast.Call, keyword: ast.keyword) -> None:
        fact = self.fact
        if keyword.arg in SCHEDULE_KEYS:
            seconds = _schedule_seconds(keyword.value, self.env)
            fact.countdown_lines.append(self.line(keyword.value))
            if seconds is not None:
                fact.max_countdown_s = max(fact.max_countdown_s or 0.0, seconds)
        elif keyword.arg == "priority":
            fact.priority_used = True
            fact.priority_lines.append(self.line(keyword.value))
        elif keyword.arg == "acks_late" and literal_value(keyword.value, self.env) is True:
            fact.acks_late = True

    def visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
        )
        for name in names:
            top = name.split(".")[0]
            if top:
                self.fact.imports.setdefault(top, self.line(node))

    def visit_function(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorator = next((d for d in function.decorator_list if _is_task_decorator(d)), None)
        if decorator is None:
            return
        if isinstance(decorator, ast.Call):
            self.visit_task_options(function.name, decorator)
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and _is_result_get(node):
                self.fact.get_in_task.append(
                    {"task": function.name, "line": self.line(node), "call": _describe_get(node)}
                )

    def visit_task_options(self, task: str, decorator: ast.Call) -> None:
        for keyword in decorator.keywords:
            value = literal_value(keyword.value, self.env)
            if keyword.arg in ("time_limit", "soft_time_limit") and _number(value):
                suffix = "" if keyword.arg == "time_limit" else ":soft"
                self.fact.time_limits[f"{task}{suffix}"] = float(value)
                self.fact.time_limit_lines[f"{task}{suffix}"] = self.line(keyword.value)


def _string_like(value: ast.AST, env: dict[str, Any]) -> bool:
    """A string literal, an f-string, or an environment lookup (`os.environ.get(...)`,
    `os.getenv(...)`, `os.environ[...]`, `env(...)`): what a broker URL is assigned from,
    not a broker object (`broker = RedisBroker(...)` of another library)."""
    if isinstance(literal_value(value, env), str) or isinstance(value, ast.JoinedStr):
        return True
    if isinstance(value, ast.Subscript):
        return "environ" in ast.unparse(value.value)
    if isinstance(value, ast.Call):
        func = ast.unparse(value.func)
        return func.endswith(("environ.get", "getenv", "env", "env.str", "config"))
    return False


def _is_conf(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "conf"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _schedule_seconds(node: ast.AST, env: dict[str, Any]) -> float | None:
    value = literal_value(node, env)
    if _number(value):
        return float(value)
    for inner in ast.walk(node):
        if call_name(inner) == "timedelta":
            seconds = literal_value(inner, env)
            if _number(seconds):
                return float(seconds)
    return None


def _is_task_decorator(node: ast.AST) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id in TASK_DECORATORS
    return isinstance(target, ast.Attribute) and target.attr in TASK_DECORATORS


def _is_result_get(call: ast.Call) -> bool:
    """`x.get()` / `x.get(timeout=..)`: an AsyncResult wait, not `dict.get(key)`."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("get", "join", "wait")):
        return False
    if call.args:
        return False
    if func.attr != "get":
        return _is_async_call(func.value)
    receiver = func.value
    return not (
        isinstance(receiver, ast.Attribute) and receiver.attr in ("environ", "headers", "META")
    )


def _is_async_call(node: ast.AST) -> bool:
    return call_name(node) in ("delay", "apply_async", "AsyncResult", "group", "chord")


def _describe_get(call: ast.Call) -> str:
    try:
        return ast.unparse(call)[:200]
    except Exception:  # unparse of exotic nodes; the description is only evidence
        return ".get()"


__all__ = ["UNKNOWN", "NotPython", "parse_module", "parse_python_config", "setting_name"]


def parse_config_text(text: str) -> CeleryConfigFact:
    """The Celery config of `text` (Python); NotMine when it is not Python or not Celery."""
    fact = parse_python_config(text)
    if fact is None:
        raise NotMine("Python without Celery settings")
    return fact


PARSER = Parser("python-config", parse_config_text, wired=True, module=__name__)


def unencoded_userinfo(url: str) -> str | None:
    """The reserved character a URL's credentials hold unencoded, when kombu misreads them.

    kombu splits the authority at its last `@` (Python's `urlparse`): a `/`, `#` or `?` in
    the password ends the authority early (kombu raises "Port could not be cast to integer
    value"), and an `@` in credentials without a `:` makes the whole of them the user name,
    no password sent. An `@` after the `:` is read right and not reported.

        >>> unencoded_userinfo("redis://1234@121@cache:6379/0"), unencoded_userinfo("amqp://u:p#w@mq//")
        ('@', '#')
        >>> unencoded_userinfo("amqp://u:p@ss@mq:5672//"), unencoded_userinfo("amqp://u:p%23w@mq//")
        (None, None)
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return None
    userinfo = rest.rpartition("@")[0]
    for char in ("/", "#", "?"):
        if char in userinfo:
            return char
    if "@" in userinfo and ":" not in userinfo.partition("@")[0]:
        return "@"
    return None
