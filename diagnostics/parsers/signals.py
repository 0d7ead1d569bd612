"""State a Celery app fills in the main process (signal handlers), which prefork children miss.

Sample:

    from celery.signals import worker_init

    MODEL_CACHE = {}

    @worker_init.connect
    def load(**kwargs):
        MODEL_CACHE["model"] = load_model()

A module-level cache filled by a `worker_init`-like signal (or the app's
configure/finalize hooks) lives in the main process only: with the prefork
pool, the child processes that run tasks never see it. The pattern is a
heuristic over the text (never executed); each fill is reported with its
signal and the line of the signal's name.

    >>> [f["signal"] for f in main_process_fills("@worker_ready.connect\\ndef f(**kw):\\n    global X")]
    ['worker_ready']
"""

from __future__ import annotations

import re
from typing import Any

from diagnostics.parsers.base import NotMine, Parser

# A module-level cache filled by a signal or at import in the main process.
MAIN_PROCESS_FILL = re.compile(
    r"(worker_init|worker_ready|celeryd_init|on_after_configure|on_after_finalize)"
    r"[\s\S]{0,800}?(\bglobal\b|\w*(cache|CACHE|registry|_store)\w*\s*(\[|\.update|\.set|=))",
)


def main_process_fills(text: str) -> list[dict[str, Any]]:
    """`[{"signal", "line"}]` for each main-process fill in `text` (first per signal)."""
    found: dict[str, dict[str, Any]] = {}
    for match in MAIN_PROCESS_FILL.finditer(text or ""):
        signal = match.group(1)
        if signal not in found:
            found[signal] = {"signal": signal, "line": text.count("\n", 0, match.start()) + 1}
    return list(found.values())


def parse_fills_text(text: str) -> list[dict[str, Any]]:
    fills = main_process_fills(text)
    if not fills:
        raise NotMine("no state filled in a main-process signal")
    return fills


PARSER = Parser("signal-state", parse_fills_text, module=__name__)
