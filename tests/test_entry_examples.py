"""Every entry's examples rank it first; no counter-example does (issue 4, "Done when").

The build runs the same validation (kb.build -> diagnostics.validation), so a
failing example also stops `kb_build`; this test names the failures directly.
"""

from __future__ import annotations

from diagnostics.validation import example_errors
from kb.index import get_kb


def test_examples_rank_their_entry_first_and_counter_examples_do_not():
    errors = [str(e) for e in example_errors(list(get_kb().entries.values()))]
    assert errors == [], "\n".join(errors)
