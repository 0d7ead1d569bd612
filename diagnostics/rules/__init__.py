"""Logic rules: facts in, findings out (one module per area).

Most knowledge is data (signatures in the entries' front matter); what needs
logic lives here, keyed by the entry slug each rule points at:

    >>> from diagnostics.parsers import parse_paste
    >>> [f.entry for f in run_rules(parse_paste("CELERYD_CONCURRENCY = 4"))]
    ['deprecated-setting-names']

Judgements the live checks make too (timeouts, queue comparison, priority,
fanout) live in `timeouts` and `queue_declarations` and take facts only, so a pasted
config and a live broker get the same verdict. Every rule declares a
`RuleSpec` in its module's `SPECS`; `RULES` is the catalog the KB build checks
against the entries' `messages`.
"""

from __future__ import annotations

from diagnostics.facts import Finding
from diagnostics.parsers import ParsedPaste
from diagnostics.rules import (
    celery_app,
    deployment,
    logs,
    pasted_topology,
    queue_declarations,
    rabbitmq4,
    setting_values,
    timeouts,
    workers,
)
from diagnostics.rules.base import RuleSpec

PASTE_RULES = (pasted_topology, celery_app, setting_values, deployment, logs, rabbitmq4, workers)
RULES: dict[str, RuleSpec] = {
    spec.id: spec
    for module in (
        celery_app,
        deployment,
        logs,
        pasted_topology,
        queue_declarations,
        rabbitmq4,
        setting_values,
        timeouts,
        workers,
    )
    for spec in module.SPECS
}


def run_rules(parsed: ParsedPaste) -> list[Finding]:
    """Every finding for the paste, errors first, then by line."""
    findings: list[Finding] = []
    for module in PASTE_RULES:
        findings.extend(module.judge(parsed))
    _from_prose(parsed, findings)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order.get(f.severity, 3), f.line or 0))


def _from_prose(parsed: ParsedPaste, findings: list[Finding]) -> None:
    """A finding on a line whose settings come from a sentence (an inline `name = value`) is
    at most a warning: the paste says what someone set, not the config the app loads."""
    config = parsed.config
    if config is None or not config.prose_settings:
        return
    prose_lines = set(config.prose_settings.values()) - set(_config_lines(config))
    for finding in findings:
        if finding.line in prose_lines and finding.severity == "error":
            finding.severity = "warning"


def _config_lines(config) -> list[int]:
    """Lines of settings a config region set (not from a sentence)."""
    return [
        line
        for name, line in config.setting_lines.items()
        if name not in config.prose_settings and line is not None
    ]
