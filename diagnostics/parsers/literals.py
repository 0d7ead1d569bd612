"""Python AST nodes to plain values, without executing anything.

    >>> node = ast.parse("3600 * 2").body[0].value
    >>> literal_value(node, {})
    7200

Only literals, containers, names already bound to literals, unary minus and
arithmetic on numbers are evaluated; anything else (calls, attributes,
comprehensions) is `UNKNOWN`. Depth is capped so a deeply nested literal can
not exhaust the stack; numbers are capped so `10 ** 10 ** 10` can not hang.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

MAX_DEPTH = 40
MAX_ITEMS = 2_000


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()
_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
}


def literal_value(node: ast.AST | None, env: dict[str, Any], depth: int = 0) -> Any:
    """The value of `node` when it is a literal (names resolved in `env`), else UNKNOWN."""
    if node is None or depth > MAX_DEPTH:
        return UNKNOWN
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id, UNKNOWN)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [literal_value(item, env, depth + 1) for item in node.elts[:MAX_ITEMS]]
    if isinstance(node, ast.Dict):
        return _dict_value(node, env, depth)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = literal_value(node.operand, env, depth + 1)
        return -value if _is_number(value) else UNKNOWN
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _binop_value(node, env, depth)
    if isinstance(node, ast.Call) and _call_name(node) == "timedelta":
        return _timedelta_seconds(node, env, depth)
    return UNKNOWN


def _dict_value(node: ast.Dict, env: dict[str, Any], depth: int) -> Any:
    out: dict[Any, Any] = {}
    for key, value in list(zip(node.keys, node.values, strict=False))[:MAX_ITEMS]:
        key_value = literal_value(key, env, depth + 1)
        if isinstance(key_value, (str, int, float, bool)) or key_value is None:
            out[key_value] = literal_value(value, env, depth + 1)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _binop_value(node: ast.BinOp, env: dict[str, Any], depth: int) -> Any:
    left = literal_value(node.left, env, depth + 1)
    right = literal_value(node.right, env, depth + 1)
    if not (_is_number(left) and _is_number(right)):
        return UNKNOWN
    if abs(left) > 1e15 or abs(right) > 1e15:
        return UNKNOWN
    try:
        return _BINOPS[type(node.op)](left, right)
    except (ZeroDivisionError, OverflowError):
        return UNKNOWN


def _timedelta_seconds(node: ast.Call, env: dict[str, Any], depth: int) -> Any:
    units = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "weeks": 604800}
    total = 0.0
    for keyword in node.keywords:
        value = literal_value(keyword.value, env, depth + 1)
        if keyword.arg not in units or not _is_number(value):
            return UNKNOWN
        total += value * units[keyword.arg]
    if node.args:
        value = literal_value(node.args[0], env, depth + 1)
        if not _is_number(value):
            return UNKNOWN
        total += value * 86400
    return total


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def call_name(node: ast.AST) -> str:
    """`Queue` for `Queue(...)` and `kombu.Queue(...)`; "" for anything else."""
    return _call_name(node) if isinstance(node, ast.Call) else ""


def plain(value: Any) -> Any:
    """UNKNOWN -> None recursively, so facts stay JSON-safe."""
    if value is UNKNOWN:
        return None
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return None
