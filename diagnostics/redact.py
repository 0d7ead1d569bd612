"""Secrets out before anything is stored, logged or shown.

Pastes arrive with credentials in them more often than not: broker URLs with
passwords, `password=` lines in settings, Kubernetes Secret data, bearer
tokens. Everything that leaves the request (a saved report, a log line, a page,
a JSON answer) goes through `redact_text` first. Redaction keeps the shape of
the text (user names, hosts, key names stay) so the diagnosis still works:

    >>> redact_text("amqp://svc:hunter2@rabbit:5672/eco2")
    'amqp://svc:****@rabbit:5672/eco2'

Some secrets are only recognisable with their context (the lines of a YAML
block scalar under `password: |`, the `value:` after `- name: DB_PASSWORD`),
so a single line cut out of a paste can look harmless. `find_secrets` returns
what the whole paste's redaction masked, and `scrub` removes those strings from
anything derived from the paste (evidence lines, facts, findings).
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

MASK = "****"
ITEM_KEYS = 12  # lines searched around an env item's `name:` for its `value:`
MIN_SCRUB_CHARS = 4  # shorter secrets would garble unrelated text when scrubbed everywhere

# Lookbehinds make a pattern start only at the beginning of a run of word characters:
# without them every position of a long run would rescan the run (quadratic time).
_SCHEME = r"(?<![a-zA-Z0-9+.\-])[a-zA-Z][a-zA-Z0-9+.\-]*://"
# scheme://user:password@host. The password runs to the LAST `@` of its token, so it
# may hold @ : / # quotes and %-escapes; it stops at a `://` (the next URL of a failover
# list). A password with spaces (malformed, but pasted) is masked when it has no `/`.
_URL_PASSWORD = re.compile(
    r"(?P<head>" + _SCHEME + r"[^:/@\s'\"]*:)"
    r"(?P<secret>(?:[^\s:]|:(?!//))+(?=@)|[^\n@/]+(?=@[^\s@]))"
)
# Keys that name a secret, in Python, YAML, JSON, env files and INI.
_SECRET_KEY = (  # noqa: S105 - a pattern, not a password
    r"(?<![A-Za-z0-9_.\-])[A-Za-z0-9_.\-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"  # noqa: S105
    r"|private[_-]?key|credentials?)[A-Za-z0-9_.\-]*"
)
_QUOTED = (
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''
    r"|'(?:[^'\\\n]|\\.|'')*'|\"(?:[^\"\\\n]|\\.)*\""
)
_TAGS = r"(?:[!&][^\s,]*[ \t]+)*"  # YAML tags and anchors before the value: !!binary, &a
_KEY_VALUE = re.compile(
    r"(?P<head>(?P<q1>['\"]?)(?P<key>"
    + _SECRET_KEY
    + r")(?P=q1)[ \t]*(?::|=|=>)[ \t]*"
    + _TAGS
    + ")"
    r"(?P<secret>" + _QUOTED + r"|[^\s,;}\])#]+)",
    re.IGNORECASE,
)
# `key: value` / `KEY=value` alone on its line (YAML, env files, INI): the whole rest of
# the line is the value, spaces, commas and brackets included (a trailing comment too).
_KEY_LINE = re.compile(
    r"(?P<head>^[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?(?P<key>" + _SECRET_KEY + r")"
    r"[ \t]*(?::|=)[ \t]*" + _TAGS + r")"
    r"(?P<secret>[^\s'\"|>{\[](?:[^\n]*[^\s])?)(?=[ \t]*$)",
    re.IGNORECASE | re.MULTILINE,
)
# A secret key whose value follows on the next, more indented lines (a block scalar
# `password: |`, a nested mapping or list). References to Secrets (secretKeyRef,
# secretName) hold names, not secrets.
_KEY_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?:-[ \t]+)?['\"]?(?P<key>" + _SECRET_KEY + r")['\"]?[ \t]*:"
    r"[ \t]*(?:[|>][-+0-9]*[ \t]*)?(?:#.*)?$",
    re.IGNORECASE,
)
_NOT_A_SECRET_KEY = re.compile(r"(?:ref|name)$", re.IGNORECASE)
# Kubernetes env lists: `- name: DB_PASSWORD` with its `value:` on a neighbouring line,
# or `{"name": "DB_PASSWORD", "value": "..."}` on one line.
_ENV_NAME = re.compile(
    r"^[ \t]*(?:-[ \t]+)?['\"]?name['\"]?[ \t]*:[ \t]*['\"]?" + _SECRET_KEY + r"['\"]?[ \t,]*$",
    re.IGNORECASE,
)
_ENV_VALUE = re.compile(
    r"(?P<head>^[ \t]*(?:-[ \t]+)?['\"]?value['\"]?[ \t]*:[ \t]*)(?P<secret>\S.*?)"
    r"(?P<tail>,?[ \t]*)$"
)
_ENV_INLINE = re.compile(
    r"(?P<head>['\"]?name['\"]?\s*:\s*['\"]?" + _SECRET_KEY + r"['\"]?\s*,\s*"
    r"['\"]?value['\"]?\s*:\s*)(?P<secret>" + _QUOTED + r"|[^\s,}]+)",
    re.IGNORECASE,
)
# Redis: `requirepass x` / `masterauth x` (redis.conf, CONFIG SET), `AUTH [user] x`,
# `redis-cli -a x`.
_REDIS_AUTH = re.compile(
    r"(?P<head>(?<![\w-])(?:requirepass|masterauth)[ \t]+"
    r"|^[ \t]*(?:[\w.:\[\]-]+>[ \t]*)?AUTH[ \t]+(?:[\w.@-]+[ \t]+)?"  # a command, prompt allowed
    r"|(?<![\w-])redis-cli\b[^\n]{0,200}?[ \t]-a[ \t]+)(?P<secret>[^\s'\"]+|'[^'\n]*'|\"[^\"\n]*\")",
    re.MULTILINE,
)
# XML / HTML-ish configs: <password>x</password>, <spring:secret>x</spring:secret>
_XML_SECRET = re.compile(
    r"(?P<head><(?P<tag>[\w:.-]*(?:password|passwd|secret|token)[\w:.-]*)>)(?P<secret>[^<\n]+)"
    r"(?P<tail></(?P=tag)>)",
    re.IGNORECASE,
)
# Cookie headers carry session secrets
_COOKIE = re.compile(r"(?P<head>\b(?:Set-)?Cookie[ \t]*:[ \t]*)(?P<secret>[^\n]+)", re.IGNORECASE)
# Defaults of secret environment variables: os.environ.get("DB_PASSWORD", "x"), getenv(...)
_ENV_DEFAULT = re.compile(
    r"(?P<head>(?:environ\.get|getenv)\(\s*['\"][^'\"\n]*(?:PASSW|SECRET|TOKEN|API_?KEY)[^'\"\n]*['\"]"
    r"\s*,\s*)(?P<secret>'[^'\n]*'|\"[^\"\n]*\")",
    re.IGNORECASE,
)
# Command-line flags: --password hunter2, --password=hunter2, -p hunter2 is too ambiguous.
_FLAG = re.compile(
    r"(?P<head>(?<![a-z\-])--[a-z\-]*(?:password|passwd|secret|token)[a-z\-]*[= ])(?P<secret>\S+)",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(
    r"(?P<head>\bAuthorization\s*[:=]\s*['\"]?(?:Basic|Bearer|Token|Digest)?\s*)(?P<secret>[^\s'\"]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<head>\bBearer\s+)(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)")
_JWT = re.compile(
    r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}"
)
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_AWS_SECRET = re.compile(
    r"(?P<head>aws_secret_access_key\s*[:=]\s*['\"]?)(?P<secret>[A-Za-z0-9/+=]{40})",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)
_SECRET_KIND = re.compile(r"['\"]?kind['\"]?\s*:\s*['\"]?Secret\b", re.MULTILINE)
_DATA_KEY = re.compile(r"['\"]?(?:data|stringData)['\"]?[ \t]*:[ \t]*")
_FLOW_VALUE = re.compile(r"(?P<head>:\s*)(?P<secret>" + _QUOTED + r"|[^\s,}'\"]+)")


class _Redaction:
    """One redaction pass over a text; remembers every string it masked."""

    def __init__(self) -> None:
        self.found: set[str] = set()

    def keep(self, secret: str) -> None:
        secret = secret.strip().strip("'\"").strip()
        if secret and secret != MASK:
            self.found.add(secret)

    def mask_group(self, match: re.Match[str]) -> str:
        secret = match.group("secret")
        if secret in (MASK, f"'{MASK}'", f'"{MASK}"'):
            return match.group(0)
        self.keep(secret)
        tail = match.groupdict().get("tail") or ""
        if len(secret) >= 2 and secret[0] == secret[-1] and secret[0] in "'\"":
            return f"{match.group('head')}{secret[0]}{MASK}{secret[0]}{tail}"
        return f"{match.group('head')}{MASK}{tail}"

    def mask_whole(self, match: re.Match[str]) -> str:
        self.keep(match.group(0))
        return MASK

    def mask_line(self, line: str, *, keep_key: bool = False) -> str:
        """`line` with its content (after the indentation, or after `key:`) masked."""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return line
        if not keep_key:  # the hot path: every line of a long secret block
            self.keep(stripped)
            return line[: len(line) - len(line.lstrip())] + MASK
        key, colon, value = line.partition(":")
        if keep_key and colon and value.strip() and value.strip() not in ("|", ">"):
            self.keep(value)
            return f"{key}: {MASK}"
        if keep_key and colon and re.fullmatch(r"[ \t]*(?:[|>][-+0-9]*)?[ \t]*", value):
            return line
        self.keep(stripped)
        return line[: len(line) - len(line.lstrip())] + MASK


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _mask_blocks_under(
    lines: list[str], start: int, indent: int, red: _Redaction, *, keep_key: bool = False
) -> None:
    """Mask the lines after `start` that belong to its value (deeper, or `- ` items)."""
    for number in range(start + 1, len(lines)):
        line = lines[number]
        content = line.lstrip()
        if not content:
            continue
        depth = len(line) - len(content)
        if depth < indent or (depth == indent and not content.startswith("- ")):
            return
        lines[number] = red.mask_line(line, keep_key=keep_key)


def _redact_key_blocks(text: str, red: _Redaction) -> str:
    """Secret keys whose value is on the following lines: `password: |`, nested values."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        match = _KEY_BLOCK.match(line)
        if match and not _NOT_A_SECRET_KEY.search(match.group("key")):
            _mask_blocks_under(lines, number, len(match.group("indent")), red)
    return "\n".join(lines)


def _redact_env_pairs(text: str, red: _Redaction) -> str:
    """Kubernetes `env:` items: the `value:` of the item whose `name:` names a secret."""
    text = _ENV_INLINE.sub(red.mask_group, text)
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if _ENV_NAME.match(line):
            for near in _same_item_lines(lines, number):
                if _ENV_VALUE.match(lines[near]):
                    lines[near] = _ENV_VALUE.sub(red.mask_group, lines[near])
    return "\n".join(lines)


def _same_item_lines(lines: list[str], number: int) -> list[int]:
    """Line numbers of the other keys of the list item (or mapping) holding line `number`."""
    line = lines[number]
    column = line.index("name") if "name" in line else _indent(line)
    out: list[int] = []
    if not line.lstrip().startswith("-"):  # the item started above: walk up to its `- `
        for near in range(number - 1, max(number - ITEM_KEYS, 0) - 1, -1):
            above = lines[near]
            if not above.strip() or _indent(above) > column:
                continue
            if above.lstrip().startswith("-") and _indent(above) < column:
                out.append(near)
                break
            if _indent(above) != column:
                break
            out.append(near)
    for near in range(number + 1, min(number + ITEM_KEYS, len(lines))):
        below = lines[near]
        if not below.strip() or _indent(below) > column:
            continue
        if _indent(below) != column or below.lstrip().startswith("-"):
            break
        out.append(near)
    return out


def _redact_kubernetes_secret_data(text: str, red: _Redaction) -> str:
    """Mask every value under `data:` / `stringData:` of a document that is a `Secret`."""
    if not _SECRET_KIND.search(text):
        return text
    out: list[str] = []
    for document in re.split(r"(^---[^\n]*\n)", text, flags=re.MULTILINE):
        if _SECRET_KIND.search(document):
            document = _mask_secret_data(document, red)
        out.append(document)
    return "".join(out)


def _mask_secret_data(document: str, red: _Redaction) -> str:
    """Block style (`data:` then indented keys) and flow/JSON style (`data: {...}`)."""
    lines = document.split("\n")
    for number, line in enumerate(lines):
        for found in _DATA_KEY.finditer(line):
            rest = line[found.end() :]
            if rest.lstrip().startswith("{") and "}" in rest:
                end = found.end() + rest.index("}")
                flow = _FLOW_VALUE.sub(red.mask_group, line[found.end() : end])
                lines[number] = line = line[: found.end()] + flow + line[end:]
                break
            if rest.strip() in ("", "{") and line[: found.start()].strip() in ("", "-"):
                _mask_blocks_under(lines, number, _indent(line), red, keep_key=True)
    return "\n".join(lines)


# (pattern, mask the whole match?) in the order they run
_TOKEN_PASSES = (
    (_URL_PASSWORD, False),
    (_AUTH_HEADER, False),
    (_BEARER, False),
    (_JWT, True),
    (_AWS_SECRET, False),
    (_AWS_KEY_ID, True),
    (_FLAG, False),
    (_REDIS_AUTH, False),
    (_XML_SECRET, False),
    (_COOKIE, False),
    (_ENV_DEFAULT, False),
    (_KEY_LINE, False),
    (_KEY_VALUE, False),
)


@functools.lru_cache(maxsize=8)
def _run(text: str) -> tuple[str, frozenset[str]]:
    """One redaction of `text`, cached: a paste is redacted for the engine, the report
    and the page, and a megabyte of it takes a second or two."""
    red = _Redaction()
    text = _PRIVATE_KEY.sub(red.mask_whole, text)
    # Contexts that span lines first (Secret data, blocks under secret keys, env lists) ...
    text = _redact_kubernetes_secret_data(text, red)
    text = _redact_key_blocks(text, red)
    text = _redact_env_pairs(text, red)
    # ... then token shapes, then the generic `key = value` forms last.
    for pattern, whole in _TOKEN_PASSES:
        text = pattern.sub(red.mask_whole if whole else red.mask_group, text)
    return text, frozenset(red.found)


def redact_text(text: str) -> str:
    """Return `text` with every secret we can recognise replaced by `****`."""
    return _run(text)[0]


def find_secrets(text: str) -> set[str]:
    """The strings `redact_text(text)` masks, for scrubbing text derived from `text`."""
    secrets = set(_run(text)[1])
    for secret in list(secrets):  # the lines of a multi-line secret, one by one
        secrets.update(part.strip() for part in secret.splitlines())
    return {secret for secret in secrets if len(secret) >= MIN_SCRUB_CHARS}


def scrub(value: Any, secrets: set[str]) -> Any:
    """`value` (str, dict, list, nested) redacted, and every string of `secrets` masked.

    Only facts and evidence pass through here: no HTML is stored (the presenter
    renders the fix when a diagnosis is shown), so no key needs an exception.
    """
    if isinstance(value, str):
        value = redact_text(value)
        for secret in sorted(secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {key: scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(item, secrets) for item in value]
    return value


def mask_url(url: str) -> str:
    """Mask the password of one URL (or a `;`-separated failover list)."""
    return _URL_PASSWORD.sub(_Redaction().mask_group, url)


class RedactingFilter(logging.Filter):
    """Logging filter: redacts the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:  # the formatter prints exc_text as is
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True
