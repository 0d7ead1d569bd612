"""`task_queues` / `task_routes` nodes to QueueDecl facts (part of the Python config parser).

Sample:

    task_queues = [
        Queue("scan.vision", Exchange("scan", type="direct"), routing_key="scan.vision",
              queue_arguments={"x-queue-type": "quorum"}, no_declare=True),
        Broadcast("reload", queue="reload.all"),
    ]
    task_routes = {"scan.*": {"queue": "scan.vision", "dead_letter_queue": "scan.dlq"}}

kombu's `Queue(max_priority=10, message_ttl=...)` keywords become the x-*
arguments RabbitMQ compares; `Queue()` is durable unless it says otherwise.
"""

from __future__ import annotations

import ast
from typing import Any, Protocol

from diagnostics.facts import CeleryConfigFact, QueueDecl
from diagnostics.parsers.literals import UNKNOWN, call_name, literal_value, plain


class ConfigWalk(Protocol):
    """What this module needs of the Python config parser's walk (python_settings's collector):
    the fact being filled, the module's assignments (`env`), the setting nodes, and
    the paste line of a node. A protocol, so this module does not import python_settings."""

    fact: CeleryConfigFact
    env: dict[str, Any]
    nodes: dict[str, ast.AST]

    def line(self, node: ast.AST) -> int: ...


KOMBU_ARGUMENT_KEYWORDS = {
    "max_priority": "x-max-priority",
    "message_ttl": "x-message-ttl",
    "expires": "x-expires",
    "max_length": "x-max-length",
    "max_length_bytes": "x-max-length-bytes",
}
SECONDS_TO_MS = {"x-message-ttl", "x-expires"}


def collect_queues(collector: ConfigWalk) -> None:
    """Fill fact.queues, fact.routes and fact.fanout_exchanges from the collected nodes."""
    fact = collector.fact
    node = collector.nodes.get("setting:task_queues")
    if node is not None:
        for item in _items(node, collector):
            decl = _queue_from_node(item, collector)
            if decl is not None:
                fact.queues.append(decl)
    if not fact.queues and "task_default_queue" in fact.settings:
        name = fact.settings["task_default_queue"]
        if isinstance(name, str):
            fact.queues.append(
                QueueDecl(
                    name=name,
                    source="celery-config",
                    durable=True,
                    queue_type=_str_or_none(fact.settings.get("task_default_queue_type")),
                    line=fact.setting_lines.get("task_default_queue"),
                )
            )
    _collect_routes(collector)


def _items(node: ast.AST, collector: ConfigWalk) -> list[ast.AST]:
    node = _resolve(node, collector)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_resolve(item, collector) for item in node.elts]
    if isinstance(node, ast.Dict):  # old style: {"name": {"exchange": ..., "routing_key": ...}}
        return [
            ast.Tuple(elts=[k, v], ctx=ast.Load(), lineno=getattr(k, "lineno", 0))
            for k, v in zip(node.keys, node.values, strict=False)
            if k is not None
        ]
    return []


def _resolve(node: ast.AST, collector: ConfigWalk, depth: int = 0) -> ast.AST:
    while isinstance(node, ast.Name) and node.id in collector.nodes and depth < 10:
        node, depth = collector.nodes[node.id], depth + 1
    return node


def _queue_from_node(node: ast.AST, collector: ConfigWalk) -> QueueDecl | None:
    if isinstance(node, ast.Tuple) and len(node.elts) == 2:  # old dict style
        name = literal_value(node.elts[0], collector.env)
        options = plain(literal_value(node.elts[1], collector.env)) or {}
        if not isinstance(name, str) or not isinstance(options, dict):
            return None
        return _decl_from_dict(name, options, collector.line(node))
    kind = call_name(node)
    if kind not in ("Queue", "Broadcast"):
        return None
    assert isinstance(node, ast.Call)
    return _decl_from_call(node, kind, collector)


def _decl_from_dict(name: str, options: dict, line: int) -> QueueDecl:
    arguments = options.get("queue_arguments") or {}
    return QueueDecl(
        name=name,
        source="celery-config",
        line=line,
        durable=options.get("durable", True),
        arguments=arguments if isinstance(arguments, dict) else {},
        queue_type=_str_or_none((arguments or {}).get("x-queue-type")),
        exchange=_str_or_none(options.get("exchange")),
        exchange_type=_str_or_none(options.get("exchange_type")),
        routing_key=_str_or_none(options.get("routing_key")),
    )


def _decl_from_call(call: ast.Call, kind: str, collector: ConfigWalk) -> QueueDecl | None:
    env = collector.env
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    name = (
        literal_value(call.args[0], env) if call.args else literal_value(keywords.get("name"), env)
    )
    explicit_queue = literal_value(keywords.get("queue"), env) if kind == "Broadcast" else None
    exchange_node = call.args[1] if len(call.args) > 1 else keywords.get("exchange")
    exchange, exchange_type = _exchange(exchange_node, collector)
    if kind == "Broadcast":
        exchange, exchange_type = exchange or name, "fanout"
        name = explicit_queue if isinstance(explicit_queue, str) else None
    decl = QueueDecl(
        name=name if isinstance(name, str) else "(generated)",
        source="celery-config",
        line=collector.line(call),
        arguments=_arguments(keywords, env),
        durable=_bool(literal_value(keywords.get("durable"), env), True),
        auto_delete=_bool(literal_value(keywords.get("auto_delete"), env), False),
        exclusive=_bool(literal_value(keywords.get("exclusive"), env), False),
        no_declare=literal_value(keywords.get("no_declare"), env) is True,
        exchange=exchange,
        exchange_type=exchange_type,
        routing_key=_str_or_none(literal_value(keywords.get("routing_key"), env)),
    )
    decl.queue_type = _str_or_none(decl.arguments.get("x-queue-type"))
    if kind == "Broadcast" and isinstance(explicit_queue, str):
        collector.fact.broadcasts.append(decl)
    if exchange_type == "fanout" and exchange:
        collector.fact.fanout_exchanges.setdefault(exchange, decl.line or 0)
    return decl


def _arguments(keywords: dict[str, ast.AST], env: dict[str, Any]) -> dict[str, Any]:
    raw = plain(literal_value(keywords.get("queue_arguments"), env))
    arguments = dict(raw) if isinstance(raw, dict) else {}
    for keyword, argument in KOMBU_ARGUMENT_KEYWORDS.items():
        value = plain(literal_value(keywords.get(keyword), env))
        if value is not None:
            if argument in SECONDS_TO_MS and isinstance(value, (int, float)):
                value = int(value * 1000)
            arguments.setdefault(argument, value)
    return arguments


def _exchange(node: ast.AST | None, collector: ConfigWalk) -> tuple[str | None, str | None]:
    if node is None:
        return None, None
    node = _resolve(node, collector)
    value = literal_value(node, collector.env)
    if isinstance(value, str):
        return value, None
    if call_name(node) != "Exchange":
        return None, None
    assert isinstance(node, ast.Call)
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    name_node = node.args[0] if node.args else keywords.get("name")
    type_node = node.args[1] if len(node.args) > 1 else keywords.get("type")
    name = literal_value(name_node, collector.env)
    kind = literal_value(type_node, collector.env)
    return _str_or_none(name), _str_or_none(kind) or "direct"


def _collect_routes(collector: ConfigWalk) -> None:
    node = collector.nodes.get("setting:task_routes")
    if node is None:
        return
    node = _resolve(node, collector)
    dicts = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    for item in dicts:
        item = _resolve(item, collector)
        if not isinstance(item, ast.Dict):
            continue
        for key, value in zip(item.keys, item.values, strict=False):
            pattern = literal_value(key, collector.env)
            route = plain(literal_value(value, collector.env))
            if isinstance(pattern, str):
                if isinstance(route, str):
                    route = {"queue": route}
                collector.fact.routes[pattern] = route if isinstance(route, dict) else {}
                collector.fact.route_lines[pattern] = collector.line(key)


def _bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value is not UNKNOWN else None
