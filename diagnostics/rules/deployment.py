"""Rules over pasted Kubernetes / docker-compose manifests.

Sample paste these rules read:

    kind: Job
    spec:
      template:
        spec:
          containers:
            - name: migrate
              command: ["python", "-c", "import os; connect(os.environ['DB_PASSWORD'])"]
              envFrom:
                - secretRef: {name: db-secret}
                - configMapRef: {name: app-config}   # later source wins for the same key
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from diagnostics import linear_re as re
from diagnostics.facts import Finding
from diagnostics.parsers.regions import _containers

if TYPE_CHECKING:
    from diagnostics.parsers import ParsedPaste
    from diagnostics.parsers.yamldocs import YamlDoc

CREDENTIAL_KEY = re.compile(r"PASS|USER|SECRET|TOKEN|URL|DSN|KEY", re.IGNORECASE)
READS_CREDENTIALS = re.compile(r"environ|getenv", re.IGNORECASE)


def check(parsed: ParsedPaste) -> list[Finding]:
    if not parsed.yaml_docs:
        return []
    findings = list(check_env_order(parsed.yaml_docs))
    findings.extend(check_inline_scripts(parsed.yaml_docs))
    findings.extend(check_database_url(parsed.yaml_docs))
    return findings


def _data_keys(docs: list[YamlDoc], kind: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for doc in docs:
        if doc.kind == kind:
            metadata = doc.data.get("metadata") or {}
            name = metadata.get("name") if isinstance(metadata, dict) else None
            keys: set[str] = set()
            for field in ("data", "stringData"):
                if isinstance(doc.data.get(field), dict):
                    keys.update(str(k) for k in doc.data[field])
            out[str(name)] = keys
    return out


def _ref_name(item: Any, key: str) -> str | None:
    ref = item.get(key) if isinstance(item, dict) else None
    return str(ref.get("name")) if isinstance(ref, dict) and ref.get("name") else None


def check_env_order(docs: list[YamlDoc]) -> Iterator[Finding]:
    configmaps, secrets = _data_keys(docs, "ConfigMap"), _data_keys(docs, "Secret")
    for doc in docs:
        for container in _containers(doc.data):
            sources = container.get("envFrom") or []
            secret_seen: list[str] = []
            for item in sources if isinstance(sources, list) else []:
                secret = _ref_name(item, "secretRef")
                if secret:
                    secret_seen.append(secret)
                configmap = _ref_name(item, "configMapRef")
                if configmap and secret_seen:
                    finding = _order_finding(
                        doc, container, secret_seen[-1], configmap, configmaps, secrets
                    )
                    if finding is not None:
                        yield finding


def _order_finding(
    doc: YamlDoc,
    container: dict,
    secret: str,
    configmap: str,
    configmaps: dict[str, set[str]],
    secrets: dict[str, set[str]],
) -> Finding | None:
    cm_keys = configmaps.get(configmap)
    if cm_keys is None:
        overlap: list[str] = []
    elif secret in secrets:
        overlap = sorted(cm_keys & secrets[secret])
    else:
        overlap = sorted(k for k in cm_keys if CREDENTIAL_KEY.search(k))
    if cm_keys is not None and not overlap:
        return None
    keys = ", ".join(overlap[:5]) or "the same keys"
    return Finding(
        rule="configmap-overrides-secret",
        entry="job-env-auth-failure",
        severity="error" if overlap else "warning",
        message=(
            f"Container '{container.get('name', '?')}' loads secretRef '{secret}' before "
            f"configMapRef '{configmap}'; for keys both define ({keys}) the later source wins, "
            f"so the ConfigMap's placeholder replaces the real credential"
        ),
        line=doc.key_lines.get("spec.template.spec.containers") or doc.line,
        evidence={
            "secret": secret,
            "configmap": configmap,
            "keys": overlap[:20],
            "container": str(container.get("name", "")),
        },
    )


def check_inline_scripts(docs: list[YamlDoc]) -> Iterator[Finding]:
    for doc in docs:
        if doc.kind not in ("Job", "CronJob"):
            continue
        for container in _containers(doc.data):
            words = [str(w) for key in ("command", "args") for w in (container.get(key) or [])]
            script = _inline_script(words)
            if script and READS_CREDENTIALS.search(script) and CREDENTIAL_KEY.search(script):
                yield Finding(
                    rule="job-inline-credentials-script",
                    entry="job-env-auth-failure",
                    severity="warning",
                    message=(
                        f"Job container '{container.get('name', '?')}' runs an inline "
                        f"`python -c` script that reads credentials from the environment; "
                        f"check which env source provides them (a ConfigMap listed after the "
                        f"Secret overrides it) and that the Job gets the same env as the app"
                    ),
                    line=doc.line,
                    evidence={"container": str(container.get("name", ""))},
                )


def _inline_script(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word == "-c" and index > 0 and "python" in words[index - 1] and index + 1 < len(words):
            return words[index + 1]
        if "python" in word and " -c " in word:
            return word
    return None


def check_database_url(docs: list[YamlDoc]) -> Iterator[Finding]:
    readers: list[str] = []
    first_line: int | None = None
    for doc in docs:
        for name, service in _services(doc):
            if "DATABASE_URL" in _env_names(service):
                readers.append(name)
                first_line = first_line or doc.line
    if len(set(readers)) >= 2:
        yield Finding(
            rule="shared-database-url",
            entry="wrong-database-url",
            severity="warning",
            message=(
                f"{len(set(readers))} services read the same generic DATABASE_URL "
                f"({', '.join(sorted(set(readers))[:6])}); one of them will connect to "
                f"another service's database; give each its own variable name"
            ),
            line=first_line,
            evidence={"services": sorted(set(readers))[:20], "setting": "DATABASE_URL"},
        )


def _services(doc: YamlDoc) -> Iterator[tuple[str, dict]]:
    if doc.kind == "compose":
        for name, service in doc.data["services"].items():
            if isinstance(service, dict):
                yield str(name), service
        return
    metadata = doc.data.get("metadata") or {}
    owner = metadata.get("name", doc.kind) if isinstance(metadata, dict) else doc.kind
    for container in _containers(doc.data):
        yield f"{owner}/{container.get('name', '?')}", container


def _env_names(service: dict) -> set[str]:
    env = service.get("env") or service.get("environment") or []
    if isinstance(env, dict):
        return {str(k) for k in env}
    names = set()
    for item in env if isinstance(env, list) else []:
        if isinstance(item, dict) and "name" in item:
            names.add(str(item["name"]))
        elif isinstance(item, str):
            names.add(item.split("=", 1)[0])
    return names
