"""YAML: Kubernetes manifests, topology-operator CRs, docker-compose files.

Sample (a topology-operator Queue and a Deployment in one paste):

    apiVersion: rabbitmq.com/v1beta1
    kind: Queue
    metadata: {name: scan-vision}
    spec:
      name: scan.vision
      type: quorum
      vhost: eco2
      rabbitmqClusterReference: {name: rabbit}
    ---
    apiVersion: apps/v1
    kind: Deployment
    spec:
      replicas: 3
      template:
        spec:
          containers:
            - name: worker
              command: ["celery", "-A", "proj", "worker", "-Q", "scan.vision"]
              envFrom:
                - secretRef: {name: app-secrets}
                - configMapRef: {name: app-config}

Loaded with a SafeLoader that refuses anchors and aliases outright and caps
the node count: `safe_load` alone still builds an alias bomb's graph, and the
walk over it is what explodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from diagnostics.facts import QueueDecl
from diagnostics.parsers.base import NotMine, Parser
from diagnostics.parsers.errors import MalformedPaste, TooDeep
from diagnostics.parsers.text import bracket_depth

MAX_NODES = 20_000
MAX_DEPTH = 100  # nesting levels; PyYAML's composer recurses once per level
MAX_DOCUMENTS = 50


@dataclass
class YamlDoc:
    """One YAML document that is a mapping, with where it starts in the paste."""

    data: dict[str, Any]
    line: int
    kind: str  # k8s kind ("Deployment", "Queue", ...), "compose", or "" for other mappings
    key_lines: dict[str, int] = field(default_factory=dict)  # "a.b.0.c" path -> line


class _RefusingLoader(yaml.SafeLoader):
    """SafeLoader without anchors/aliases and with a node budget."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.node_budget = MAX_NODES
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise MalformedPaste(
                f"YAML aliases (*{event.anchor}) are refused: line {event.start_mark.line + 1}"
            )
        self.node_budget -= 1
        if self.node_budget < 0:
            raise MalformedPaste(f"YAML with more than {MAX_NODES} nodes is not analysed")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise TooDeep(
                f"The YAML at line {mark.line + 1} is nested more than {MAX_DEPTH} levels deep; "
                f"such input is not analysed. Paste the manifest without the deep part."
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_documents(text: str, first_line: int = 1) -> list[YamlDoc]:
    """The mapping documents of `text`. Raises yaml.YAMLError (not YAML) or MalformedPaste.

    Raises TooDeep for flow collections nested over MAX_DEPTH levels, before PyYAML
    sees them: its scanner is quadratic in the depth of `[[[[...` (1 s for 16 KB).
    """
    depth = _flow_depth(text)
    if depth > MAX_DEPTH:
        raise TooDeep(
            f"The YAML at line {first_line} is nested more than {MAX_DEPTH} levels deep; "
            f"such input is not analysed. Paste the manifest without the deep part."
        )
    loader = _RefusingLoader(text)
    docs: list[YamlDoc] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if len(docs) >= MAX_DOCUMENTS:
                raise MalformedPaste(f"more than {MAX_DOCUMENTS} YAML documents")
            data = loader.construct_document(node)
            if isinstance(data, dict):
                line = node.start_mark.line + first_line
                docs.append(YamlDoc(data, line, _kind(data), _key_lines(node, first_line)))
    finally:
        loader.dispose()
    return docs


def _flow_depth(text: str) -> int:
    """The deepest nesting of `[` and `{` (quotes ignored: an over-estimate is safe)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    return bracket_depth(text, "[{", "]}")


def _kind(data: dict[str, Any]) -> str:
    if isinstance(data.get("kind"), str) and "apiVersion" in data:
        return data["kind"]
    if isinstance(data.get("services"), dict):
        return "compose"
    return ""


def _key_lines(
    node: yaml.Node, first_line: int, prefix: str = "", depth: int = 0
) -> dict[str, int]:
    """The line of every mapping key and sequence item, by dotted path ("a.b.0.c")."""
    out: dict[str, int] = {}
    if depth > 12:
        return out
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[f"{prefix}{index}"] = item.start_mark.line + first_line
            out.update(_key_lines(item, first_line, f"{prefix}{index}.", depth + 1))
        return out
    if not isinstance(node, yaml.MappingNode):
        return out
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            path = f"{prefix}{key.value}"
            out[path] = key.start_mark.line + first_line
            out.update(_key_lines(value, first_line, path + ".", depth + 1))
    return out


def queue_from_cr(doc: YamlDoc) -> QueueDecl | None:
    """A topology-operator `Queue` resource as the broker will have it."""
    if doc.kind != "Queue" or "rabbitmq.com" not in str(doc.data.get("apiVersion", "")):
        return None
    spec = doc.data.get("spec") or {}
    if not isinstance(spec, dict):
        return None
    metadata = doc.data.get("metadata") or {}
    name = spec.get("name") or (metadata.get("name") if isinstance(metadata, dict) else None)
    arguments = spec.get("arguments") if isinstance(spec.get("arguments"), dict) else {}
    queue_type = spec.get("type") or arguments.get("x-queue-type")
    return QueueDecl(
        name=str(name or "(unnamed)"),
        source="topology-operator",
        arguments=dict(arguments),
        queue_type=str(queue_type) if queue_type else None,
        durable=spec.get("durable") if isinstance(spec.get("durable"), bool) else None,
        auto_delete=spec.get("autoDelete") if isinstance(spec.get("autoDelete"), bool) else None,
        vhost=str(spec.get("vhost") or "/"),
        line=doc.key_lines.get("spec.type") or doc.line,
    )


def exchange_from_cr(doc: YamlDoc) -> dict[str, Any] | None:
    """A topology-operator `Exchange` resource: {name, type, vhost, line}."""
    if doc.kind != "Exchange" or not isinstance(doc.data.get("spec"), dict):
        return None
    spec = doc.data["spec"]
    return {
        "name": spec.get("name"),
        "type": spec.get("type", "direct"),
        "vhost": spec.get("vhost", "/"),
        "line": doc.line,
    }


def binding_from_cr(doc: YamlDoc) -> dict[str, Any] | None:
    """A topology-operator `Binding`: {source, destination, destinationType, line}."""
    if doc.kind != "Binding" or not isinstance(doc.data.get("spec"), dict):
        return None
    spec = doc.data["spec"]
    return {
        "source": spec.get("source"),
        "destination": spec.get("destination"),
        "destination_type": spec.get("destinationType", "queue"),
        "line": doc.line,
    }


def parse_yaml_text(text: str) -> list[YamlDoc]:
    """The manifests of `text` (documents with a `kind`, or compose files); NotMine otherwise."""
    docs = [doc for doc in load_documents(text) if doc.kind]
    if not docs:
        raise NotMine("no manifest")
    return docs


PARSER = Parser("yaml", parse_yaml_text, wired=True, module=__name__)
