"""Physical lines to logical lines: ANSI codes out, container prefixes off, wraps joined.

Sample (a docker-compose log, coloured, with an error wrapped mid-sentence):

    \x1b[36mworker_1  |\x1b[0m [2026-11-20 10:01:02,345: ERROR/MainProcess] consumer:
    worker_1  | Cannot connect to amqp://guest:**@rabbitmq:5672//: [Errno 111]
    worker_1  | Connection refused.

Signatures are searched in every physical line and in short windows of
consecutive lines joined by a space (a wrapped error text is found whole),
each window reported at its first line. Windows never start a continuation
at a line that clearly begins a new record (a log prefix, a traceback frame,
a YAML key at column 0), so unrelated lines are not glued together.

A traceback printed through Celery's own logger (stdout redirected,
`worker_redirect_stdouts`) carries the worker's prefix on each record it wrote:

    [2026-11-20 10:01:02,345: WARNING/MainProcess] Traceback (most recent call last):
    [2026-11-20 10:01:02,345: WARNING/MainProcess]   File "/app/tasks.py", line 3, in run
        connect()
    [2026-11-20 10:01:02,346: WARNING/MainProcess] OSError: [Errno 111] Connection refused

Where consecutive lines carrying one prefix (same level, process and task
fields; the time may differ) hold a whole traceback, header or first frame to
the exception line, the prefix comes off those lines only; ordinary log lines
keep it (signatures match them whole).
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics import linear_re as re

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
# "worker_1  | ", "celeryworker_1  | ", "pod/worker-abc ", k8s "worker-5d9f7 worker " is too loose.
CONTAINER_PREFIX = re.compile(r"^[A-Za-z0-9][\w.\-]{0,62}\s+\|\s?")
# journald (`Nov 29 10:22:33 host celery[1234]: `, `-o short-precise` with microseconds,
# `-o short-iso` with `2026-11-29T10:22:33+0000`), Kubernetes' CRI log files
# (`2026-11-29T10:22:33.06Z stderr F `), Heroku (`2026-11-29T10:22:33.06+00:00 app[worker.1]: `),
# `kubectl logs --prefix` (`[pod/name/container] `) and a bare RFC 3339 time stamp
# (`docker logs -t`, `kubectl logs --timestamps`)
_ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)"
LOG_PREFIX = re.compile(
    r"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? [\w.\-]+ [\w.@/\-]+(?:\[\d+\])?: "
    rf"|{_ISO_TIME} (?:stdout|stderr) [FP] "
    rf"|{_ISO_TIME} (?:app|heroku)\[[\w.\-]+\]: "
    rf"|{_ISO_TIME} [\w.\-]+ [\w.@/\-]+\[\d+\]: "
    rf"|{_ISO_TIME} "
    r"|\[pod/[\w.\-]+/[\w.\-]+\] )"
)
RECORD_START = re.compile(
    r"^(?:\s*\[\d{4}-\d\d-\d\d|\d{4}-\d\d-\d\d[ T]|\s*Traceback \(|\s*File \"|\s+at |"
    r"[A-Za-z_][\w\-]*:\s|[A-Za-z_][\w.]*(?:Error|Exception|Warning)\b|\s*[-#*]\s|=[A-Z]+ REPORT)"
)
# Celery's `worker_log_format` / `worker_task_log_format` (celery/app/defaults.py):
# `[%(asctime)s: %(levelname)s/%(processName)s] ` and `... %(task_name)s[%(task_id)s]: `
CELERY_PREFIX = re.compile(
    r"^\[\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[,.]\d{1,9})?: (?P<key>[A-Z]{3,8}/[^\]]{1,80})\]"
    r"(?: (?P<task>[\w.:\-?]{1,200}\[[\w\-?]{1,80}\]):)?(?: |$)"
)
# a Python traceback's header and the lines that chain two of them (the traceback parser's
# too, diagnostics/parsers/traceback.py)
TB_HEAD = "Traceback (most recent call last):"
TB_CHAIN = ("During handling of the above exception", "The above exception was the direct cause")
_TB_FRAME = re.compile(r'^\s*File "[^"]{1,500}", line \d+')
# `pkg.mod.SomeError: message`, `socket.timeout: timed out`, a bare `KeyboardInterrupt`
_TB_EXC = re.compile(r"^(?:[A-Za-z_][\w$]*\.)*(?P<last>[A-Za-z_][\w$]*)(?P<colon>:(?: .*)?)?$")
_TB_NAME = re.compile(r"^[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*$")
TB_CODE_LINES = 8  # source lines (not counting carets) read after one frame
TB_TYPE_PIECES = 16  # most records one exception's type is written in
WINDOW = 3  # longest wrap joined (physical lines)
MAX_LINE = 20_000  # characters of one line considered by the parsers


@dataclass(frozen=True)
class LogicalLine:
    """A searchable unit of the paste; `number` is the 1-based first physical line."""

    number: int
    text: str
    span: int = 1  # physical lines joined


def clean_lines(text: str) -> list[str]:
    """Physical lines with ANSI codes and container, journald and Kubernetes log prefixes
    removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = ANSI.sub("", text).split("\n")
    lines = [
        CONTAINER_PREFIX.sub("", line, count=1) if "|" in line[:80] else line for line in lines
    ]
    return _unprefix_celery_tracebacks([_strip_log_prefix(line) for line in lines])


def _strip_log_prefix(line: str) -> str:
    first = line[:1]
    # journald lines start with a month name, CRI, Heroku and time-stamped lines with a year,
    # kubectl's with [pod/
    if (
        line.startswith("[pod/")
        or (
            ("A" <= first <= "Z" or "0" <= first <= "9")
            and (": " in line[:120] or " stdout " in line[:40] or " stderr " in line[:40])
        )
        or ("0" <= first <= "9" and line[4:5] == "-" and line[10:11] == "T")
    ):
        return LOG_PREFIX.sub("", line, count=1)
    return line


def _unprefix_celery_tracebacks(lines: list[str]) -> list[str]:
    """`lines` with Celery's log prefix taken off the tracebacks it wraps (one pass)."""
    run: list[tuple[int, str | None]] = []  # (line index, body; None: unprefixed continuation)
    key: tuple[str, str | None] | None = None
    for index, line in enumerate(lines):
        found = CELERY_PREFIX.match(line) if line[:1] == "[" and line[1:2].isdigit() else None
        if found is not None:
            if (found["key"], found["task"]) != key:
                _unprefix_run(lines, run)
                run, key = [], (found["key"], found["task"])
            run.append((index, line[found.end() :]))
        elif run and line.strip() and (line[:1].isspace() or line.startswith(TB_CHAIN)):
            run.append((index, None))  # a record's own further lines: source, carets, chain text
        else:
            _unprefix_run(lines, run)
            run, key = [], None
    _unprefix_run(lines, run)
    return lines


def _unprefix_run(lines: list[str], run: list[tuple[int, str | None]]) -> None:
    """Replace by their bodies the lines of each whole traceback in one prefix's run."""
    if not run:
        return
    pending: list[tuple[int, str]] = []  # the traceback being read: (index, body to use)
    inside = False
    since_frame = 0  # source lines read since the last frame
    for index, body in _join_exception_pieces(run):
        if body is None or not body.strip():
            if inside and body is not None:
                pending.append((index, body))
            continue
        stripped = body.strip()
        if stripped.startswith(TB_HEAD):
            pending, inside, since_frame = [(index, body)], True, 0
        elif _TB_FRAME.match(body):
            if not inside:
                pending, inside = [], True
            pending.append((index, body if body[:1].isspace() else f"  {body}"))
            since_frame = 0
        elif not inside:
            continue
        elif stripped.startswith(TB_CHAIN) or since_frame >= TB_CODE_LINES:
            pending, inside = [], False  # no exception line ended it: not a traceback
        elif not body[:1].isspace() and _is_exception_line(stripped):
            pending.append((index, stripped))
            for at, text in pending:
                lines[at] = text
            pending, inside = [], False
        else:  # a source line (written stripped by old Celery) or its carets
            pending.append((index, body if body[:1].isspace() else f"    {stripped}"))
            since_frame += stripped.strip("^~") != ""


def _join_exception_pieces(run: list[tuple[int, str | None]]) -> list[tuple[int, str | None]]:
    """Python's own excepthook (an uncaught exception) writes the last line in pieces,
    each a record: `kombu.exceptions`, `.`, `OperationalError`, `: `, the message. They
    are joined on the last piece's line, the others left blank."""
    out = list(run)
    for at, (_, body) in enumerate(run):
        if body is None or body.strip() != ":":
            continue
        start, want_name = at, True
        while at - start < TB_TYPE_PIECES and start > 0:
            piece = run[start - 1][1]
            if piece is None or not (_TB_NAME.match(piece) if want_name else piece == "."):
                break
            start, want_name = start - 1, not want_name
        if want_name and start < at:
            start += 1  # a type never starts with its dot
        if start == at:
            continue
        end = at + 1 if at + 1 < len(run) and run[at + 1][1] is not None else at
        message = run[end][1].strip() if end > at else ""
        kind = "".join(piece or "" for _, piece in run[start:at])
        for blank in range(start, end):
            out[blank] = (run[blank][0], "")
        out[end] = (run[end][0], f"{kind}: {message}".rstrip())
    return out


def _is_exception_line(text: str) -> bool:
    found = _TB_EXC.match(text)
    return found is not None and (found["colon"] is not None or found["last"][:1].isupper())


def logical_lines(lines: list[str]) -> list[LogicalLine]:
    """Every non-blank physical line, plus joined windows of up to WINDOW wrapped lines."""
    out: list[LogicalLine] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        out.append(LogicalLine(index + 1, line[:MAX_LINE]))
        joined = line.rstrip()
        for span in range(2, WINDOW + 1):
            nxt = index + span - 1
            if nxt >= len(lines) or not _continues(lines[nxt]):
                break
            joined = f"{joined} {lines[nxt].strip()}"
            out.append(LogicalLine(index + 1, joined[: MAX_LINE * 2], span))
    return out


def _continues(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not RECORD_START.match(line)


def bracket_depth(text: str, opening: str, closing: str) -> int:
    """The deepest nesting of the `opening` brackets (an unmatched closer counts as none;
    quotes are not looked at, so the answer may over-estimate, which is the safe side)."""
    depth = deepest = 0
    for char in text:
        if char in opening:
            depth += 1
            deepest = max(deepest, depth)
        elif char in closing:
            depth = max(depth - 1, 0)
    return deepest
