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

What is recognised, by family (each pass below names its family):
- URLs: `scheme://user:password@host`, a token as the whole user part
  (`https://ghp_...@github.com`, Sentry DSN keys), tokens in URL paths (Slack,
  Discord and Teams webhooks, Telegram bot tokens, `/token/...` segments);
- keys that name a secret, in Python, YAML, JSON, INI, XML and env files: any key
  holding password/passwd/pwd/secret/token/api key/access key/private key/
  credentials/basic auth/Erlang cookie, any key ending in `_PASS`/`_PW`, and UPPERCASE env names
  ending in `KEY` (routing and binding keys excepted), with their values inline,
  on the following indented lines, or in a Kubernetes `env:` item's `value:`;
- command lines of the ecosystem's tools: `--password`-like flags (`--erlang-cookie`), rabbitmqctl
  `add_user`/`change_password`/`authenticate_user` positional passwords,
  `rabbitmqadmin -p`, `redis-cli -a`, `mysql -pPW`, `docker login -p`,
  `curl -u user:PW`, `flower --basic_auth=user:PW`, Redis `AUTH`/`requirepass`/
  `sentinel auth-pass` and ACL `>PW` rules;
- what a shell session printed: the line after a command that prints an Erlang
  cookie (`sudo cat /var/lib/rabbitmq/.erlang.cookie`, `kubectl exec ... -- cat ...`,
  `docker exec rabbit cat .erlang.cookie`) is the cookie, a token no key names;
- well-known token formats wherever they stand: GitHub, GitLab, Slack, AWS key
  ids and secret keys, Google API keys, Stripe, npm, PyPI, SendGrid, OpenAI-style
  `sk-`, JWTs, PEM private keys, `Authorization:` headers and `Bearer` tokens,
  cookies.

Every pattern is RE2 (`diagnostics.linear_re`): linear in the paste, whatever it
holds. The line loops below visit each line a bounded number of times.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from diagnostics import budget
from diagnostics import linear_re as re

MASK = "****"
ITEM_KEYS = 12  # lines searched around an env item's `name:` for its `value:`
MIN_SCRUB_CHARS = 4  # shorter secrets would garble unrelated text when scrubbed everywhere

_QUOTED = (
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''
    r"|'(?:[^'\\\n]|\\.|'')*'|\"(?:[^\"\\\n]|\\.)*\""
)
_SCHEME = r"[a-zA-Z][a-zA-Z0-9+.\-]*://"
# A run of characters that holds no `://` (the next URL of a failover list starts there):
# the states of "seen `:`" and "seen `:/`" written out, since RE2 has no look-ahead.
_NO_SCHEME_SEP = r"(?:[^\s:]|:+(?:/:+)*/?[^\s:/])*(?::+(?:/:+)*/?)?"
# scheme://user:password@host. The password runs to the LAST `@` of its token, so it
# may hold @ : / # quotes and %-escapes; it stops at a `://`. A password with spaces
# (malformed, but pasted) is masked when it has no `/`.
_URL_PASSWORD = re.compile(
    r"(?P<head>" + _SCHEME + r"[^:/@\s'\"]*:)"
    r"(?P<secret>" + _NO_SCHEME_SEP + r"|[^\n@/]+)(?P<tail>@)"
)
# scheme://TOKEN@host: a user part without a password that is a token, not a name
# (git+https://ghp_...@github.com/..., a Sentry DSN's key). Names are short.
_URL_TOKEN_USER = re.compile(
    r"(?P<head>" + _SCHEME + r")(?P<secret>[A-Za-z0-9_\-.~%+=]{20,})(?P<tail>@)"
)
# Tokens in URL paths: webhooks and bot APIs, and a segment after /token/ /key/ /secret/.
_URL_PATH_TOKEN = re.compile(
    r"(?P<head>(?i:hooks\.slack\.com/(?:services|workflows|triggers)/)"
    r"|(?i:(?:discord(?:app)?\.com)/api/webhooks/)\d+/"
    r"|(?i:webhook\.office\.com/webhookb2/)"
    r"|(?i:api\.telegram\.org/(?:file/)?bot)"
    r"|/(?i:tokens?|keys?|secrets?|access[_-]?tokens?|api[_-]?keys?)/)"
    r"(?P<secret>[A-Za-z0-9_\-:@.]{6,}(?:/[A-Za-z0-9_\-]{6,})*)"
)
_KEY_CHARS = r"[A-Za-z0-9_.\-]"
# Keys that name a secret, in Python, YAML, JSON, env files and INI: a secret word anywhere
# in the key; a key ending in _PASS / -pw; an UPPERCASE env name ending in KEY.
_SECRET_KEY = (
    r"(?:" + _KEY_CHARS + r"*(?i:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credentials?|basic[_-]?auth|auth[_-]?key|signing[_-]?key|encryption[_-]?key"
    r"|master[_-]?key|session[_-]?key|client[_-]?key|account[_-]?key|dsn|erlang[_-]?cookie"
    r"|rediscli[_-]?auth)" + _KEY_CHARS + r"*"
    r"|" + _KEY_CHARS + r"*[_.\-](?i:pass|pw)\b|\b(?i:pass)\b"
    r"|(?-i:[A-Z0-9_.\-]*[A-Z0-9_]KEY)\b)"
)
# Keys matched by _SECRET_KEY whose values are names, not secrets.
_NOT_A_SECRET_KEY = re.compile(
    r"(?:ref|name|(?:routing|binding|sort|partition|primary|foreign|cache)[_-]?key)$",
    re.IGNORECASE,
)
_TAGS = r"(?:[!&][^\s,]*[ \t]+)*"  # YAML tags and anchors before the value: !!binary, &a
_KEY_VALUE = re.compile(
    r"(?P<head>['\"]?(?P<key>" + _SECRET_KEY + r")['\"]?[ \t]*(?::|=>|=)[ \t]*" + _TAGS + ")"
    r"(?P<secret>" + _QUOTED + r"|[^\s,;}\])#]+)"
)
# `key: value` / `KEY=value` alone on its line (YAML, env files, INI): the whole rest of
# the line is the value, spaces, commas and brackets included (a trailing comment too).
_KEY_LINE = re.compile(
    r"(?P<head>^[ \t]*(?:-[ \t]+)?(?:(?i:export)[ \t]+)?(?P<key>" + _SECRET_KEY + r")"
    r"[ \t]*(?::|=)[ \t]*" + _TAGS + r")"
    r"(?P<secret>[^\s'\"|>{\[](?:[^\n]*[^\s])?)(?P<tail>[ \t]*)$",
    re.MULTILINE,
)
# A secret key whose value follows on the next, more indented lines (a block scalar
# `password: |`, a nested mapping or list). References to Secrets (secretKeyRef,
# secretName) hold names, not secrets.
_KEY_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)(?:-[ \t]+)?['\"]?(?P<key>" + _SECRET_KEY + r")['\"]?[ \t]*:"
    r"[ \t]*(?:[|>][-+0-9]*[ \t]*)?(?:#.*)?$"
)
# Kubernetes env lists: `- name: DB_PASSWORD` with its `value:` on a neighbouring line,
# or `{"name": "DB_PASSWORD", "value": "..."}` on one line.
_ENV_NAME = re.compile(
    r"^[ \t]*(?:-[ \t]+)?['\"]?name['\"]?[ \t]*:[ \t]*['\"]?(?P<key>" + _SECRET_KEY + r")"
    r"['\"]?[ \t,]*$"
)
_ENV_VALUE = re.compile(
    r"(?P<head>^[ \t]*(?:-[ \t]+)?['\"]?value['\"]?[ \t]*:[ \t]*)(?P<secret>\S.*?)"
    r"(?P<tail>,?[ \t]*)$"
)
_ENV_INLINE = re.compile(
    r"(?P<head>['\"]?name['\"]?\s*:\s*['\"]?(?P<key>" + _SECRET_KEY + r")['\"]?\s*,\s*"
    r"['\"]?value['\"]?\s*:\s*)(?P<secret>" + _QUOTED + r"|[^\s,}]+)"
)
_ARG = r"'[^'\n]*'|\"[^\"\n]*\"|[^\s'\"]+"  # one shell word: quoted, or up to a space
# Redis: `requirepass x` / `masterauth x` (redis.conf, CONFIG SET), `sentinel auth-pass
# <master> x` (sentinel.conf), `AUTH [user] x`, `redis-cli -a x`, and an ACL rule's `>x`
# (`user celery on >x ~*` in redis.conf or users.acl, `ACL SETUSER celery on >x`).
_REDIS_AUTH = re.compile(
    r"(?P<head>(?:^|[^\w-])(?:requirepass|masterauth)[ \t]+"
    r"|(?:^|[^\w-])sentinel[ \t]+auth-pass[ \t]+\S+[ \t]+"
    r"|(?:^[ \t]*user|(?i:\bACL[ \t]+SETUSER))[ \t]+\S+(?:[ \t]+[^\s>]\S*)*[ \t]+>"
    r"|^[ \t]*(?:[\w.:\[\]-]+>[ \t]*)?AUTH[ \t]+(?:[\w.@-]+[ \t]+)?"  # a command, prompt allowed
    r"|(?:^|[^\w-])redis-cli\b[^\n]{0,200}?[ \t]-a[ \t]+)(?P<secret>" + _ARG + ")",
    re.MULTILINE,
)
# Positional and short-flag passwords of the ecosystem's command-line tools.
_CLI_PASSWORD = re.compile(
    r"(?P<head>\brabbitmqctl(?:\.bat)?\b[^\n]{0,200}?\b(?:add_user|change_password"
    r"|authenticate_user)[ \t]+(?:" + _ARG + r")[ \t]+"
    r"|\brabbitmqadmin\b[^\n]{0,300}?[ \t]-p(?:[ \t]+|=)?"
    r"|\b(?:docker|podman|nerdctl)[ \t]+login\b[^\n]{0,300}?[ \t]-p[ \t]+"
    r"|\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]{0,300}?[ \t]-p"
    r"|\b(?:curl|wget)\b[^\n]{0,300}?[ \t](?:-u|--user)(?:[ \t]+|=)['\"]?[^\s:'\"]*:"
    r"|[ \t](?:-a|--auth)(?:[ \t]+|=)['\"]?[^\s:'\"/]+:"  # httpie -a user:pw
    r"|--basic[_-]auth(?:[ \t]+|=)['\"]?[^\s:'\"]*:)"
    r"(?P<secret>" + _ARG + ")"
)
# XML / HTML-ish configs: <password>x</password>, <spring:secret>x</spring:secret>
_XML_SECRET = re.compile(
    r"(?P<head><[\w:.-]*(?:password|passwd|secret|token)[\w:.-]*>)(?P<secret>[^<\n]+)"
    r"(?P<tail></[\w:.-]*(?:password|passwd|secret|token)[\w:.-]*>)",
    re.IGNORECASE,
)
# Cookie headers carry session secrets; a file name ending in cookie (`.erlang.cookie: Permission
# denied`) is not a header: the word may not follow a dot, a slash or a word character
_COOKIE = re.compile(
    r"(?P<head>(?:^|[^\w./\n-])(?:Set-)?Cookie[ \t]*:[ \t]*)(?P<secret>[^\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
# Defaults of secret environment variables: os.environ.get("DB_PASSWORD", "x"), getenv(...)
_ENV_DEFAULT = re.compile(
    r"(?P<head>(?:environ\.get|environ\.setdefault|getenv)\(\s*['\"](?P<key>" + _SECRET_KEY + r")"
    r"['\"]\s*,\s*)(?P<secret>'[^'\n]*'|\"[^\"\n]*\")"
)
# Command-line flags: --password hunter2, --password=hunter2, --redis-pass x, --api-key x.
_FLAG = re.compile(
    r"(?P<head>(?:^|[^a-zA-Z\-])--[a-zA-Z\-_]*(?i:password|passwd|pass|pwd|secret|token|api[_-]?key"
    r"|access[_-]?key|erlang[_-]?cookie)[a-zA-Z\-_]*(?:=|[ \t]+))(?P<secret>" + _ARG + ")"
)
_AUTH_HEADER = re.compile(
    r"(?P<head>\b(?:Proxy-)?Authorization\s*[:=]\s*['\"]?(?:Basic|Bearer|Token|Digest|JWT)?\s*)"
    r"(?P<secret>[^\s'\"]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<head>\bBearer\s+)(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}")
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b")
_AWS_SECRET = re.compile(
    r"(?P<head>aws_?secret_?(?:access_?)?key(?:_id)?['\"]?\s*[:=]\s*['\"]?)"
    r"(?P<secret>[A-Za-z0-9/+=]{40})",
    re.IGNORECASE,
)
# Well-known token formats, masked wherever they stand.
_KNOWN_TOKEN = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_\-]{20,}"
    r"|xox[abposre]-[A-Za-z0-9\-]{10,}|xapp-[A-Za-z0-9\-]{10,}"
    r"|AIza[0-9A-Za-z_\-]{35}|ya29\.[0-9A-Za-z_\-]{20,}"
    r"|(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[0-9A-Za-z]{20,}"
    r"|npm_[A-Za-z0-9]{36}|pypi-AgE[A-Za-z0-9_\-]{50,}"
    r"|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"
    r"|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{32,}|hf_[A-Za-z0-9]{30,}"
    r"|dop_v1_[a-f0-9]{64}|shpat_[a-fA-F0-9]{32})"
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY"
    r"( BLOCK)?-----|\z)"
)
# A command that prints an Erlang cookie: `cat` (`head`, `type`, `Get-Content`...) of an
# .erlang.cookie file, after a prompt, `sudo`, `docker exec rabbit`, `kubectl exec ... --`;
# a Kubernetes Secret's cookie read with `kubectl get secret`; the cookie's variable
# echoed. Its output, the next line, is the cookie: a single token without a key to
# name it (`ABCDEFGHIJKLMNOPQRST`).
_COOKIE_MENTION = re.compile(r"(?i:erlang)[\\._-]*(?i:cookie)")
_COOKIE_COMMAND = re.compile(
    r"(?:^|[;|&(`'\"]|[$#>%]|[ \t]--|\b(?:sudo|doas|su|exec|ssh|run)\b[^\n]*?)[ \t]*"
    r"(?P<cmd>(?:cat|tac|head|tail|more|less|bat|batcat|type|Get-Content|gc)[ \t][^\n|;&>]*?"
    r"\.erlang\.cookie\b"
    r"|(?:echo|printenv)[ \t][^\n|;&>]*?(?i:erlang[_-]?cookie)"
    r"|(?:kubectl|oc)\b[^\n]*\bget[ \t]+secrets?\b[^\n]*(?i:erlang)[\\._-]*(?i:cookie))"
)
# ... unless its output goes to a file or through a digest: `> /tmp/c`, `| wc -c`, `| md5sum`
_COOKIE_NOT_PRINTED = re.compile(
    r"(?i:cookie)[^\n]*?(?:[ \t]1?>>?[ \t]*[^&\s]"
    r"|\|[ \t]*(?:wc|md5sum|sha\d*sum|cksum|b2sum|xxd|od|hexdump|grep[ \t]+-c|stat|file)\b)"
)
_PROMPT = re.compile(r"^[ \t]*(?P<prompt>[^\n$#>%]{0,60}[$#>%])(?:[ \t]|$)")
# Lines a command may print before the cookie: sudo's and ssh's password prompts,
# kubectl's notices.
_COOKIE_PREAMBLE = re.compile(
    r"^[ \t]*(?:\[sudo\][^\n]*|(?i:password)[^\n]*:|[^\n]*'s password:|Defaulted container[^\n]*"
    r"|Unable to use a TTY[^\n]*|(?i:enter passphrase)[^\n]*)[ \t]*$"
)
COOKIE_LOOKAHEAD = 6  # lines searched after the command for its output
_SECRET_KIND = re.compile(r"(?m)['\"]?kind['\"]?\s*:\s*['\"]?Secret\b")
_DOCUMENT_START = re.compile(r"(?m)(^---[^\n]*\n)")
_DATA_KEY = re.compile(r"['\"]?(?:data|stringData)['\"]?[ \t]*:[ \t]*")
_FLOW_VALUE = re.compile(r"(?P<head>:\s*)(?P<secret>" + _QUOTED + r"|[^\s,}'\"]+)")
_BLOCK_INDICATOR = re.compile(r"[ \t]*(?:[|>][-+0-9]*)?[ \t]*")


class _Redaction:
    """One redaction pass over a text; remembers every string it masked."""

    def __init__(self) -> None:
        self.found: set[str] = set()

    def keep(self, secret: str) -> None:
        secret = secret.strip().strip("'\"").strip()
        if secret and secret != MASK:
            self.found.add(secret)

    def mask_group(self, match: Any) -> str:
        secret = match.group("secret")
        if secret in (MASK, f"'{MASK}'", f'"{MASK}"'):
            return match.group(0)
        if "key" in match.re.groupindex and _NOT_A_SECRET_KEY.search(match.group("key") or ""):
            return match.group(0)
        self.keep(secret)
        tail = (match.group("tail") if "tail" in match.re.groupindex else "") or ""
        if len(secret) >= 2 and secret[0] == secret[-1] and secret[0] in "'\"":
            return f"{match.group('head')}{secret[0]}{MASK}{secret[0]}{tail}"
        return f"{match.group('head')}{MASK}{tail}"

    def mask_whole(self, match: Any) -> str:
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
        if colon and _BLOCK_INDICATOR.fullmatch(value):  # `key: |`, `key: >-`, `key:`
            return line
        if colon:
            self.keep(value)
            return f"{key}: {MASK}"
        self.keep(stripped)
        return line[: len(line) - len(line.lstrip())] + MASK


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _mask_blocks_under(
    lines: list[str], start: int, indent: int, red: _Redaction, *, keep_key: bool = False
) -> int:
    """Mask the lines after `start` that belong to its value (deeper, or `- ` items).

    Returns the index of the last line of the value, so callers skip past it: a
    value's lines are visited once, not once per enclosing key (quadratic).
    """
    last = start
    for number in range(start + 1, len(lines)):
        line = lines[number]
        content = line.lstrip()
        budget.charge(1)
        if not content:
            continue
        depth = len(line) - len(content)
        if depth < indent or (depth == indent and not content.startswith("- ")):
            return last
        lines[number] = red.mask_line(line, keep_key=keep_key)
        last = number
    return last


def _redact_key_blocks(text: str, red: _Redaction) -> str:
    """Secret keys whose value is on the following lines: `password: |`, nested values."""
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        match = _KEY_BLOCK.match(lines[number]) if ":" in lines[number] else None
        if match and not _NOT_A_SECRET_KEY.search(match.group("key")):
            number = _mask_blocks_under(lines, number, len(match.group("indent")), red)
        number += 1
    return "\n".join(lines)


def _redact_env_pairs(text: str, red: _Redaction) -> str:
    """Kubernetes `env:` items: the `value:` of the item whose `name:` names a secret."""
    text = _ENV_INLINE.sub(red.mask_group, text)
    lines = text.split("\n")
    for number, line in enumerate(lines):
        match = _ENV_NAME.match(line) if "name" in line else None
        if match and not _NOT_A_SECRET_KEY.search(match.group("key")):
            for near in _same_item_lines(lines, number):
                if "value" in lines[near] and _ENV_VALUE.match(lines[near]):
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
    for document in _DOCUMENT_START.split(text):
        if _SECRET_KIND.search(document):
            document = _mask_secret_data(document, red)
        out.append(document)
    return "".join(out)


def _mask_secret_data(document: str, red: _Redaction) -> str:
    """Block style (`data:` then indented keys) and flow/JSON style (`data: {...}`)."""
    lines = document.split("\n")
    number = 0
    while number < len(lines):
        line = lines[number]
        budget.charge(1)
        for found in _DATA_KEY.finditer(line) if "ata" in line else ():
            rest = line[found.end() :]
            if rest.lstrip().startswith("{") and "}" in rest:
                end = found.end() + rest.index("}")
                flow = _FLOW_VALUE.sub(red.mask_group, line[found.end() : end])
                lines[number] = line = line[: found.end()] + flow + line[end:]
                break
            if rest.strip() in ("", "{") and line[: found.start()].strip() in ("", "-"):
                number = _mask_blocks_under(lines, number, _indent(line), red, keep_key=True)
                break
        number += 1
    return "\n".join(lines)


def _redact_cookie_output(text: str, red: _Redaction) -> str:
    """The line a command printing an Erlang cookie printed: the cookie, alone on its
    line (after a password prompt or kubectl's notice), or followed by the shell's
    prompt when the file has no final newline (`ABCDEFGHIJKLMNOPQRSTroot@rabbit-0:/#`).
    The same cookie on the lines right after (one per node) goes too."""
    lines = text.split("\n")
    changed = False
    for number, line in enumerate(lines):
        if "ookie" not in line and "OOKIE" not in line:
            continue
        command = _COOKIE_COMMAND.search(line) if _COOKIE_MENTION.search(line) else None
        if command is None or _COOKIE_NOT_PRINTED.search(line[command.start(1) :]):
            continue
        prompt = _PROMPT.match(line[: command.start(1)])
        changed |= _mask_cookie_after(lines, number, prompt.group("prompt") if prompt else "", red)
    return "\n".join(lines) if changed else text


def _mask_cookie_after(lines: list[str], number: int, prompt: str, red: _Redaction) -> bool:
    preambles = 0
    for near in range(number + 1, min(number + 1 + COOKIE_LOOKAHEAD, len(lines))):
        budget.charge(1)
        line = lines[near]
        content = line.strip()
        if not content:
            continue
        if preambles < 2 and _COOKIE_PREAMBLE.match(line):
            preambles += 1
            continue
        cookie = _cookie_of(content, prompt)
        if not cookie:
            return False
        red.keep(cookie)
        lines[near] = line.replace(cookie, MASK, 1)
        for after in range(near + 1, min(near + 1 + COOKIE_LOOKAHEAD, len(lines))):
            if lines[after].strip() != cookie:  # the same cookie printed by every node
                break
            lines[after] = lines[after].replace(cookie, MASK, 1)
        return True
    return False


def _cookie_of(content: str, prompt: str) -> str:
    """The cookie in the first line a cookie-printing command printed, or ''."""
    token = content.split(None, 1)[0]
    if prompt and content.startswith(prompt):  # the next command: nothing was printed
        return ""
    if prompt and token != content:  # the cookie, then the prompt and the next command
        at = content.find(prompt)
        cookie = content[:at] if at > 0 else ""
        return cookie if cookie and cookie == token[: len(cookie)] and " " not in cookie else ""
    if token != content or token in ("$", "#", ">", "%", MASK):
        return ""
    if not any(char.isalnum() for char in token):  # a Markdown fence, a rule
        return ""
    if prompt and token.endswith(prompt):
        return token[: -len(prompt)]
    return token


# (pattern, mask the whole match?) in the order they run
_TOKEN_PASSES = (
    (_URL_PASSWORD, False),
    (_URL_TOKEN_USER, False),
    (_URL_PATH_TOKEN, False),
    (_AUTH_HEADER, False),
    (_BEARER, False),
    (_JWT, True),
    (_KNOWN_TOKEN, True),
    (_AWS_SECRET, False),
    (_AWS_KEY_ID, True),
    (_FLAG, False),
    (_CLI_PASSWORD, False),
    (_REDIS_AUTH, False),
    (_XML_SECRET, False),
    (_COOKIE, False),
    (_ENV_DEFAULT, False),
    (_KEY_LINE, False),
    (_KEY_VALUE, False),
)


def _union(patterns: tuple[re.Pattern, ...]) -> re.Pattern:
    """One pattern that matches wherever any of `patterns` matches (each keeps its
    own flags; group names are dropped, as RE2 refuses a name twice)."""
    parts = []
    for pattern in patterns:
        body = _GROUP_NAME.sub("(?:", pattern.pattern)
        inline = "".join(letter for flag, letter in re._INLINE.items() if pattern.flags & flag)
        parts.append(f"(?{inline}:{body})" if inline else f"(?:{body})")
    return re.compile("|".join(parts))


_GROUP_NAME = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
_ANY_TOKEN = _union(tuple(pattern for pattern, _whole in _TOKEN_PASSES))


@functools.lru_cache(maxsize=64)
def _run(text: str) -> tuple[str, frozenset[str]]:
    """One redaction of `text`, cached: a paste is redacted for the engine, the report
    and the page."""
    red = _Redaction()
    text = _PRIVATE_KEY.sub(red.mask_whole, text)
    # Contexts that span lines first (Secret data, blocks under secret keys, env lists) ...
    text = _redact_kubernetes_secret_data(text, red)
    text = _redact_key_blocks(text, red)
    text = _redact_env_pairs(text, red)
    if "ookie" in text or "OOKIE" in text:
        text = _redact_cookie_output(text, red)
    # ... then token shapes, then the generic `key = value` forms last. Most texts
    # (evidence lines, log lines) hold none: one scan with the union of the passes
    # says so. Passes only change text they match, so when the union finds nothing
    # no pass would have changed anything.
    if _ANY_TOKEN.search(text) is None:
        return text, frozenset(red.found)
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
