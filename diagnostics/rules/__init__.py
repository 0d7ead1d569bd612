"""Logic rules: facts in, findings out (one module per area).

Most knowledge is data (signatures in the entries' front matter); what needs
logic lives here, keyed by the entry slug each rule points at:

    >>> from diagnostics.parsers import parse_paste
    >>> [f.entry for f in run_rules(parse_paste("CELERYD_CONCURRENCY = 4"))]
    ['deprecated-setting-names']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from diagnostics.facts import Finding

if TYPE_CHECKING:
    from diagnostics.parsers import ParsedPaste


def run_rules(parsed: ParsedPaste) -> list[Finding]:
    """Every finding for the paste, errors first, then by line."""
    from diagnostics.rules import config, deployment, logs, paste_queues

    findings: list[Finding] = []
    for module in (paste_queues, config, deployment, logs):
        findings.extend(module.check(parsed))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order.get(f.severity, 3), f.line or 0))
