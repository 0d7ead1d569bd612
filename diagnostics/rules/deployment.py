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
from typing import Any

from diagnostics import linear_re as re
from diagnostics.facts import Finding, ServiceFact
from diagnostics.parsers import ParsedPaste
from diagnostics.parsers.regions import _containers
from diagnostics.parsers.yamldocs import YamlDoc
from diagnostics.rules.base import RuleSpec

CONFIGMAP_OVERRIDES_SECRET = RuleSpec(
    "configmap-overrides-secret",
    "job-env-auth-failure",
    ("secret", "configmap", "keys", "container"),
)
JOB_INLINE_CREDENTIALS_SCRIPT = RuleSpec(
    "job-inline-credentials-script", "job-env-auth-failure", ("container",)
)
SHARED_DATABASE_URL = RuleSpec(
    "shared-database-url", "wrong-database-url", ("services", "count", "setting")
)
BROKER_LOCALHOST_IN_CONTAINER = RuleSpec(
    "broker-localhost-in-container",
    "broker-connection-refused",
    ("service", "url", "host", "others"),
)
SPECS = (
    CONFIGMAP_OVERRIDES_SECRET,
    JOB_INLINE_CREDENTIALS_SCRIPT,
    SHARED_DATABASE_URL,
    BROKER_LOCALHOST_IN_CONTAINER,
)
CREDENTIAL_KEY = re.compile(r"PASS|USER|SECRET|TOKEN|URL|DSN|KEY", re.IGNORECASE)
READS_CREDENTIALS = re.compile(r"environ|getenv", re.IGNORECASE)


def judge(parsed: ParsedPaste) -> list[Finding]:
    if not parsed.yaml_docs:
        return []
    findings = list(judge_env_order(parsed.yaml_docs))
    findings.extend(judge_inline_scripts(parsed.yaml_docs))
    findings.extend(judge_database_url(parsed.yaml_docs))
    findings.extend(judge_localhost_broker(parsed.services))
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


def judge_env_order(docs: list[YamlDoc]) -> Iterator[Finding]:
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
    return CONFIGMAP_OVERRIDES_SECRET.finding(
        "error" if overlap else "warning",
        doc.key_lines.get("spec.template.spec.containers") or doc.line,
        secret=secret,
        configmap=configmap,
        keys=overlap[:20],
        container=str(container.get("name", "")),
    )


def judge_inline_scripts(docs: list[YamlDoc]) -> Iterator[Finding]:
    for doc in docs:
        if doc.kind not in ("Job", "CronJob"):
            continue
        for container in _containers(doc.data):
            words = [str(w) for key in ("command", "args") for w in (container.get(key) or [])]
            script = _inline_script(words)
            if script and READS_CREDENTIALS.search(script) and CREDENTIAL_KEY.search(script):
                yield JOB_INLINE_CREDENTIALS_SCRIPT.finding(
                    "warning", doc.line, container=str(container.get("name", ""))
                )


def _inline_script(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word == "-c" and index > 0 and "python" in words[index - 1] and index + 1 < len(words):
            return words[index + 1]
        if "python" in word and " -c " in word:
            return word
    return None


def judge_database_url(docs: list[YamlDoc]) -> Iterator[Finding]:
    readers: list[str] = []
    first_line: int | None = None
    for doc in docs:
        for name, service in _services(doc):
            if "DATABASE_URL" in _env_names(service):
                readers.append(name)
                first_line = first_line or doc.line
    if len(set(readers)) >= 2:
        yield SHARED_DATABASE_URL.finding(
            "warning",
            first_line,
            services=sorted(set(readers))[:20],
            count=len(set(readers)),
            setting="DATABASE_URL",
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


LOOPBACK = ("localhost", "::1", "ip6-localhost")
BROKER_IMAGE = re.compile(r"rabbitmq|redis|valkey|keydb|dragonfly", re.IGNORECASE)


def judge_localhost_broker(services: list[ServiceFact]) -> Iterator[Finding]:
    """A broker URL to localhost in a container while the paste runs other services.

    Each compose service (each pod) has its own network namespace: `localhost` there is
    the container itself, not the broker's container nor the host (Docker's and
    Kubernetes' networking docs); the service name is what resolves to the broker.
    Not judged for `network_mode: host` / `hostNetwork: true` (localhost is the host),
    for a service sharing another's namespace, or when the paste holds no other
    service or pod (the broker may run in the same container).
    """
    for service in services:
        if service.network == "host" or service.network.startswith("container:"):
            continue
        if BROKER_IMAGE.search(service.image or ""):
            continue  # the broker's own container: its localhost is itself
        others = [s for s in services if s.network != service.network]
        if not others:
            continue
        brokers = [s.name for s in others if BROKER_IMAGE.search(f"{s.image} {s.name}")]
        names = brokers + [s.name for s in others if s.name not in brokers]
        seen: set[str] = set()
        for use in service.broker_urls:
            host = use["host"]
            if (host in LOOPBACK or host.startswith("127.")) and use["url"] not in seen:
                seen.add(use["url"])
                yield BROKER_LOCALHOST_IN_CONTAINER.finding(
                    "warning",
                    use["line"],
                    service=service.name,
                    url=use["url"],
                    host=host,
                    others=list(dict.fromkeys(names))[:5],
                )
