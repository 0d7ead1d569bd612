r"""Exceptions out of tracebacks, log lines and reprs.

Sample (chained, log-prefixed, with a repr-style exception on the log line):

    [2026-11-20 10:01:02,345: CRITICAL/MainProcess] Unrecoverable error:
    AMQPNotImplementedError(540, "NOT_IMPLEMENTED - queue 'qq' in vhost '/' does not
    support global qos", (60, 20), 'Basic.consume')
    Traceback (most recent call last):
      File "C:\venv\lib\site-packages\celery\worker\worker.py", line 203, in start
        self.blueprint.start(self)
    socket.timeout: timed out

    During handling of the above exception, another exception occurred:

    Traceback (most recent call last):
      File "/app/tasks.py", line 9, in run
    amqp.exceptions.AMQPNotImplementedError: Basic.consume: (540) NOT_IMPLEMENTED - ...

Each exception becomes an `ExceptionFact` (type with module when shown, message,
AMQP reply code/text, frames). Forms: the last line of a traceback (truncated
tops too: frames without the header), `X: message` lines of any language's
client (`com.rabbitmq.client.AuthenticationFailureException: ...`), and reprs
after `raised unexpected:` / `Unrecoverable error:` parsed with
`ast.literal_eval` on a size-capped argument list (never executed).
"""

from __future__ import annotations

import ast

from diagnostics import budget
from diagnostics import linear_re as re
from diagnostics.facts import ExceptionFact
from diagnostics.parsers.base import NotMine, Parser
from diagnostics.parsers.text import MAX_LINE, TB_CHAIN, TB_HEAD, clean_lines

TRACEBACK_HEAD = re.compile(r"Traceback \(most recent call last\):", needs=(TB_HEAD,))
FRAME = re.compile(
    r"^\s+File \"(?P<file>[^\"]{1,500})\", line (?P<line>\d+)(?:, in (?P<func>\S+))?",
    needs=('File "',),
)
CHAIN = re.compile("|".join(TB_CHAIN), needs=TB_CHAIN)  # plain words, no metacharacters
# `pkg.mod.ClassName: message` or a bare `ClassName` (class names: letters, digits, _ and $).
EXC_LINE = re.compile(
    r"^(?P<type>(?:[A-Za-z_][\w$]*[.\\])*[A-Za-z_][\w$]*)(?::\s?(?P<message>.*))?$"
)
# A type named like an exception, wherever a line states one: `...: FooError: msg`.
NAMED_EXC = re.compile(
    r"(?:^|[\s:\[(])(?P<type>(?:[A-Za-z_][\w$]*[.\\])*[A-Z][\w$]*"
    r"(?:Error|Exception|Failed|Refused|NotFound|Timeout|Interrupted|Fault|Exceeded"
    r"|Registered|Disallowed|Forced|Closed|Lost))"
    r"(?::\s(?P<message>.*)|\((?P<args>.*)\)\s*\.?\s*)$",
    needs=("Error", "Exception", "Failed", "Refused", "NotFound", "Timeout", "Interrupted")
    + ("Fault", "Exceeded", "Registered", "Disallowed", "Forced", "Closed", "Lost"),
)
REPR_AFTER = re.compile(
    r"(?:raised unexpected|Unrecoverable error|raised exception|[Ee]rror)\s*:\s*"
    r"(?P<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)\((?P<args>.*)\)\s*\.?\s*$",
    needs=("raised unexpected", "raised exception", "rror"),  # "rror": [Ee]rror, "error"
)
# IPython / Jupyter put the type on the header line: `EncodeError      Traceback (most recent call last)`
IPYTHON_HEAD = re.compile(
    r"^(?P<type>(?:[A-Za-z_]\w*\.)*[A-Z]\w*)\s{2,}Traceback \(most recent call last\)",
    needs=("Traceback (most recent call last)",),
)
REPLY = re.compile(r"\((?P<code>\d{3})\)\s*(?P<text>[A-Z][A-Z_\-]+ - .*)")
MAX_REPR_ARGS = 4_000
CHECK_EVERY = 500  # lines between checks of the analysis budget


def parse_exceptions(lines: list[str]) -> list[ExceptionFact]:
    """All exceptions in the cleaned physical lines, deduplicated, in paste order."""
    facts: list[ExceptionFact] = []
    facts.extend(_traceback_exceptions(lines))
    for number, line in enumerate(lines, start=1):
        if not number % CHECK_EVERY:
            budget.checkpoint("exceptions")
        fact = _line_exception(line[:MAX_LINE], number)
        if fact is not None:
            facts.append(fact)
    return _dedupe(facts)


def _traceback_exceptions(lines: list[str]) -> list[ExceptionFact]:
    """The exception line that ends each run of frames (header optional: tops get cut)."""
    out: list[ExceptionFact] = []
    frames: list[str] = []
    chained = False
    in_frames = False
    for number, line in enumerate(lines, start=1):
        if CHAIN.search(line):
            chained = True
            continue
        frame = FRAME.match(line)
        if frame:
            frames.append(f"{frame['file']}:{frame['line']} in {frame['func'] or '?'}")
            in_frames = True
            continue
        if TRACEBACK_HEAD.search(line):
            frames, in_frames = [], True
            continue
        if not in_frames or not line.strip() or line[:1].isspace():
            continue
        fact = _exception_from_line(line.strip()[:MAX_LINE], number)
        if fact is not None:
            fact.frames, fact.chained, fact.form = frames[-20:], chained, "traceback"
            out.append(fact)
        frames, in_frames = [], False
    return out


def _exception_from_line(line: str, number: int) -> ExceptionFact | None:
    match = EXC_LINE.match(line)
    if not match:
        return _line_exception(line, number)
    type_name = match["type"].replace("\\", ".")
    return _with_reply(
        ExceptionFact(type=type_name, message=(match["message"] or "").strip(), line=number)
    )


def _line_exception(line: str, number: int) -> ExceptionFact | None:
    """A repr after a log phrase, or `SomethingError: message` anywhere on the line."""
    ipython = IPYTHON_HEAD.match(line)
    if ipython:
        return ExceptionFact(type=ipython["type"], line=number, form="traceback")
    if "(" in line:
        repr_match = REPR_AFTER.search(line)
        if repr_match and _looks_like_class(repr_match["type"]):
            return _from_repr(repr_match["type"], repr_match["args"], number)
    match = NAMED_EXC.search(line)
    if not match:
        return None
    type_name = match["type"].replace("\\", ".")
    if match["args"] is not None:
        return _from_repr(type_name, match["args"], number)
    return _with_reply(
        ExceptionFact(type=type_name, message=match["message"].strip(), line=number, form="line")
    )


def _looks_like_class(type_name: str) -> bool:
    return type_name.rsplit(".", 1)[-1][:1].isupper()


def _from_repr(type_name: str, args: str, number: int) -> ExceptionFact:
    """`PreconditionFailed(406, 'PRECONDITION_FAILED - ...', (50, 10), 'Queue.declare')`."""
    values = _literal_args(args)
    fact = ExceptionFact(type=type_name, line=number, form="repr")
    if values is None:
        fact.message = args.strip()
        return _with_reply(fact)
    strings = [v for v in values if isinstance(v, str)]
    if len(values) >= 2 and isinstance(values[0], int) and isinstance(values[1], str):
        fact.reply_code, fact.reply_text, fact.message = values[0], values[1], values[1]
        if len(values) >= 4 and isinstance(values[3], str) and values[3]:
            fact.method = values[3]
    elif strings:
        fact.message = strings[0]
    else:
        fact.message = ", ".join(str(v) for v in values)
    return _with_reply(fact)


def _literal_args(args: str) -> tuple | None:
    if len(args) > MAX_REPR_ARGS:
        return None
    try:
        value = ast.literal_eval(f"({args},)")
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    return value if isinstance(value, tuple) else None


def _with_reply(fact: ExceptionFact) -> ExceptionFact:
    if fact.reply_code is None:
        reply = REPLY.search(fact.message[:MAX_LINE])
        if reply:
            fact.reply_code, fact.reply_text = int(reply["code"]), reply["text"]
    return fact


def _dedupe(facts: list[ExceptionFact]) -> list[ExceptionFact]:
    seen: dict[tuple[str, str], ExceptionFact] = {}
    for fact in facts:
        key = (fact.short_type, fact.message[:300])
        kept = seen.get(key)
        if kept is None:
            seen[key] = fact
        elif fact.form == "traceback" and kept.form != "traceback":
            fact.line = min(fact.line or 0, kept.line or 0) or fact.line
            seen[key] = fact
    return sorted(seen.values(), key=lambda f: f.line or 0)


def parse_traceback_text(text: str) -> list[ExceptionFact]:
    """Every exception in `text`; NotMine when there is none."""
    facts = parse_exceptions(clean_lines(text))
    if not facts:
        raise NotMine("no exception")
    return facts


PARSER = Parser("exception", parse_traceback_text, wired=True, module=__name__)
