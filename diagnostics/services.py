"""One function per use case, used alike by the page, the JSON API and the command line.

    >>> outcome = diagnose_paste(text="AMQPNotImplementedError(540, ...)", save=False, lang="en")
    >>> outcome.data["confidence"], outcome.data["matches"][0]["title"]    # doctest: +SKIP

Services write (reports, runs) and log; views only translate HTTP to and from
these calls. Live-check runs have theirs in diagnostics.checks.service
(`start_run`), fed by one `CheckRequest` built by diagnostics.checks.requests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from diagnostics.engine import Diagnosis, decode_paste, diagnose
from diagnostics.models import Report
from diagnostics.present import present_diagnosis
from diagnostics.reports import create_report
from kb import index

logger = logging.getLogger(__name__)


@dataclass
class PasteOutcome:
    """A diagnosed paste: the result, its words for the reader, the saved report if any."""

    diagnosis: Diagnosis
    text: str  # the decoded paste (not redacted: callers show it only through redact_text)
    data: dict[str, Any]  # present_diagnosis(...) of what was stored, in the reader's language
    report: Report | None = None
    delete_token: str | None = None


def diagnose_paste(*, text: str | bytes, save: bool = False, lang: str = "en") -> PasteOutcome:
    """Decode, diagnose, optionally save (redacted), log one line; PasteError on bad input."""
    decoded = decode_paste(text)
    kb = index.get_kb()
    diagnosis = diagnose(decoded, kb=kb)
    stored = diagnosis.as_dict()
    report = token = None
    if save:
        report, token = create_report(text=decoded, result=stored)
        stored = report.result
    log_diagnosis(diagnosis)
    data = present_diagnosis(stored, kb=kb, lang=lang)
    return PasteOutcome(diagnosis, decoded, data, report, token)


def present_report(report: Report, *, lang: str = "en") -> dict[str, Any]:
    """A saved report's diagnosis, rendered now from its stored facts and evidence."""
    return present_diagnosis(report.result, kb=index.get_kb(), lang=lang)


def log_diagnosis(result: Diagnosis) -> None:
    """One log line per diagnosis: confidence and slugs only, never the paste."""
    top = result.matches[0].slug if result.matches else "-"
    logger.info(
        "diagnosis confidence=%s top=%s kinds=%s findings=%d",
        result.confidence,
        top,
        ",".join(result.kinds),
        len(result.findings),
    )
