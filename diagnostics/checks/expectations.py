"""What the application expects, read from a pasted Celery config or manifest.

The pasted text goes through the paste diagnostics' parser (`parse_paste`,
never executed: Python config, worker command lines and YAML topology-operator
CRs in one paste). The checks only need a handful of facts, collected here into
`AppExpectations` so the check units stay independent of the parsers' internals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from diagnostics.facts import CeleryConfigFact, QueueDecl, VersionsFact
from diagnostics.parsers import parse_paste

log = logging.getLogger(__name__)


@dataclass
class AppExpectations:
    """The app's side of every comparison; empty when no config was given."""

    config: CeleryConfigFact | None = None
    declared: dict[str, QueueDecl] = field(default_factory=dict)  # the app's own declarations
    operator: dict[str, QueueDecl] = field(default_factory=dict)  # topology-operator CRs
    text: str = ""
    error: str | None = None
    versions: VersionsFact | None = None  # Celery/kombu versions the pasted text states

    @property
    def given(self) -> bool:
        return self.config is not None or bool(self.declared or self.operator)

    def queue_names(self) -> list[str]:
        names = list(self.declared) + list(self.operator)
        if self.config:
            names += list(self.config.worker_queues)
            names += [
                route.get("queue")
                for route in self.config.routes.values()
                if isinstance(route, dict) and isinstance(route.get("queue"), str)
            ]
        return list(dict.fromkeys(names))

    def setting(self, name: str, default: Any = None) -> Any:
        if self.config is None:
            return default
        value = self.config.settings.get(name)
        return default if value is None else value

    def routed_tasks(self, queue: str) -> list[str]:
        """Task names (or patterns) the config routes to `queue`."""
        if self.config is None:
            return []
        return [
            task
            for task, route in self.config.routes.items()
            if isinstance(route, dict) and route.get("queue") == queue
        ]


def read_expectations(text: str | None, *, vhost: str) -> AppExpectations:
    """Parse `text`; a parser failure becomes `error` (shown), never an exception."""
    if not text or not text.strip():
        return AppExpectations()
    try:
        config, crs, versions = _parse(text)
    except Exception as exc:  # the paste parsers say why; the run goes on without a config
        log.info("live check config not parsed: %s", type(exc).__name__)
        return AppExpectations(text=text, error=f"the pasted config could not be read: {exc}")
    declared = {decl.name: decl for decl in (config.queues if config else [])}
    operator = {
        decl.name: decl for decl in crs if (decl.vhost or "/") == vhost or decl.vhost is None
    }
    error = None
    if config is None and not operator:
        error = "the pasted text holds no Celery config, worker command or queue definition"
    return AppExpectations(config, declared, operator, text, error, versions)


def _parse(
    text: str,
) -> tuple[CeleryConfigFact | None, list[QueueDecl], VersionsFact | None]:
    """(config, topology-operator queues, stated versions) of the pasted text."""
    parsed = parse_paste(text)
    crs = [q for q in parsed.queues if q.source == "topology-operator"]
    return parsed.config, crs, parsed.extra.get("versions")
