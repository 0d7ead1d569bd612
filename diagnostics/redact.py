"""Secrets out before anything is stored, logged or shown.

Pastes arrive with credentials in them more often than not: broker URLs with
passwords, `password=` lines in settings, Kubernetes Secret data, bearer
tokens. Everything that leaves the request (a saved report, a log line, a page,
a JSON answer) goes through `redact_text` first. Redaction keeps the shape of
the text (user names, hosts, key names stay) so the diagnosis still works:

    >>> redact_text("amqp://svc:hunter2@rabbit:5672/eco2")
    'amqp://svc:****@rabbit:5672/eco2'
"""

from __future__ import annotations

import logging
import re

MASK = "****"

# scheme://user:password@host  (password may contain anything but @ and whitespace)
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s'\"]*:)(?P<secret>[^@\s'\"/]+)(?=@)"
)
# Keys that name a secret, in Python, YAML, JSON, env files and INI.
_SECRET_KEY = (  # noqa: S105 - a pattern, not a password
    r"[A-Za-z0-9_.\-]*(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"  # noqa: S105
    r"|private[_-]?key|credentials?)[A-Za-z0-9_.\-]*"
)
_KEY_VALUE = re.compile(
    r"(?P<head>(?P<q1>['\"]?)(?P<key>" + _SECRET_KEY + r")(?P=q1)\s*(?::|=|=>)\s*)"
    r"(?P<secret>'[^'\n]*'|\"[^\"\n]*\"|[^\s,;}\])#]+)",
    re.IGNORECASE,
)
# Command-line flags: --password hunter2, --password=hunter2, -p hunter2 is too ambiguous.
_FLAG = re.compile(
    r"(?P<head>--[a-z\-]*(?:password|passwd|secret|token)[a-z\-]*[= ])(?P<secret>\S+)",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(
    r"(?P<head>\bAuthorization\s*[:=]\s*['\"]?(?:Basic|Bearer|Token|Digest)?\s*)(?P<secret>[^\s'\"]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<head>\bBearer\s+)(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}")
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_AWS_SECRET = re.compile(
    r"(?P<head>aws_secret_access_key\s*[:=]\s*['\"]?)(?P<secret>[A-Za-z0-9/+=]{40})",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)


def _mask_group(match: re.Match[str]) -> str:
    secret = match.group("secret")
    if secret in (MASK, f"'{MASK}'", f'"{MASK}"'):
        return match.group(0)
    if len(secret) >= 2 and secret[0] == secret[-1] and secret[0] in "'\"":
        return f"{match.group('head')}{secret[0]}{MASK}{secret[0]}"
    return f"{match.group('head')}{MASK}"


def _redact_kubernetes_secret_data(text: str) -> str:
    """Mask every value under `data:` / `stringData:` of a `kind: Secret` document."""
    if not re.search(r"^kind:\s*Secret\s*$", text, re.MULTILINE):
        return text
    out: list[str] = []
    for document in re.split(r"(^---[^\n]*\n)", text, flags=re.MULTILINE):
        if re.search(r"^kind:\s*Secret\s*$", document, re.MULTILINE):
            document = _mask_yaml_mapping_values(document, ("data", "stringData"))
        out.append(document)
    return "".join(out)


def _mask_yaml_mapping_values(document: str, keys: tuple[str, ...]) -> str:
    lines = document.split("\n")
    inside_indent: int | None = None
    for number, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if inside_indent is not None:
            if stripped and indent <= inside_indent:
                inside_indent = None
            elif ":" in stripped and not stripped.startswith("#"):
                key, _, value = line.partition(":")
                if value.strip() and value.strip() not in ("|", ">"):
                    lines[number] = f"{key}: {MASK}"
                continue
            elif stripped:
                lines[number] = " " * indent + MASK
                continue
        if inside_indent is None and stripped.split(":")[0] in keys and stripped.endswith(":"):
            inside_indent = indent
    return "\n".join(lines)


def redact_text(text: str) -> str:
    """Return `text` with every secret we can recognise replaced by `****`."""
    text = _PRIVATE_KEY.sub(f"-----PRIVATE KEY {MASK}-----", text)
    text = _redact_kubernetes_secret_data(text)
    text = _URL_PASSWORD.sub(_mask_group, text)
    text = _AUTH_HEADER.sub(_mask_group, text)
    text = _BEARER.sub(_mask_group, text)
    text = _JWT.sub(MASK, text)
    text = _AWS_SECRET.sub(_mask_group, text)
    text = _AWS_KEY_ID.sub(MASK, text)
    text = _FLAG.sub(_mask_group, text)
    text = _KEY_VALUE.sub(_mask_group, text)
    return text


def mask_url(url: str) -> str:
    """Mask the password of one URL (or a `;`-separated failover list)."""
    return _URL_PASSWORD.sub(_mask_group, url)


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
        return True
