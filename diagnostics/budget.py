"""A work budget for one paste analysis: a deadline, and a count of the work done.

    >>> with budget.analysis(seconds=10) as spent:
    ...     parse_paste(text)          # long loops call budget.checkpoint()
    >>> spent.work                     # characters handed to regex engines + loop steps

Two separate things live here:

- **Counting** (`charge`): every regular expression call on pasted text (see
  `diagnostics.linear_re`) and every step of a long parser loop adds to the
  current budget's `work`. Tests assert on this count (it grows linearly with
  the paste, whatever its shape), never on wall-clock time.
- **Stopping** (`checkpoint`): the parsers call it between stages and inside
  long loops; past the deadline it raises `BudgetExceeded`, which the engine
  turns into a partial answer plus a notice. Charging never raises, so code
  that must finish (redaction: a half-redacted paste would leak) only charges.

Outside an `analysis()` block (bench, shell) charging is a no-op and checkpoints
never raise.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

DEFAULT_SECONDS = 10.0


class BudgetExceeded(Exception):  # noqa: N818 - reads better at the raise sites
    """The analysis ran past its deadline; what was found so far is the answer."""

    def __init__(self, stage: str = "") -> None:
        super().__init__(stage)
        self.stage = stage


@dataclass
class Budget:
    deadline: float  # time.monotonic() value; inf for no deadline
    work: int = 0  # characters scanned by regex engines, plus loop steps
    regex_calls: int = 0
    regex_work: int = 0  # the part of `work` that regex engines did
    exceeded_at: str = ""  # the stage that stopped (empty while within the budget)
    stages: list[str] = field(default_factory=list)

    def over(self) -> bool:
        return time.monotonic() >= self.deadline


_current: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "diagnostics_budget", default=None
)


def analysis_seconds() -> float:
    """`KB_ANALYSIS_SECONDS` from the settings (the documented default outside Django)."""
    try:
        from django.conf import settings

        return float(settings.KB_ANALYSIS_SECONDS)
    except Exception:  # outside Django, or the setting missing: the default
        return DEFAULT_SECONDS


@contextlib.contextmanager
def analysis(seconds: float | None = None) -> Iterator[Budget]:
    """Run the block under a fresh budget (nested blocks get their own)."""
    seconds = analysis_seconds() if seconds is None else seconds
    budget = Budget(deadline=time.monotonic() + seconds if seconds >= 0 else float("inf"))
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


@contextlib.contextmanager
def counting() -> Iterator[Budget]:
    """A budget without a deadline: counts the work of the block (tests, bench)."""
    budget = Budget(deadline=float("inf"))
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current() -> Budget | None:
    return _current.get()


def charge(work: int, *, regex: bool = False) -> None:
    """Add `work` to the current budget. Never raises."""
    budget = _current.get()
    if budget is not None:
        budget.work += work
        if regex:
            budget.regex_calls += 1
            budget.regex_work += work


def checkpoint(stage: str, work: int = 1) -> None:
    """Charge `work`; raise BudgetExceeded when the deadline has passed."""
    budget = _current.get()
    if budget is None:
        return
    budget.work += work
    if budget.over():
        budget.exceeded_at = budget.exceeded_at or stage
        raise BudgetExceeded(stage)


def notice(stage: str) -> str:
    """The user-facing sentence for an analysis stopped at `stage`."""
    seconds = analysis_seconds()
    return (
        f"The analysis stopped after {seconds:g} seconds (at: {stage}); the answer below "
        f"covers what was analysed until then. Paste only the error and the lines around it "
        f"for a complete analysis."
    )
