"""Every entry's examples rank it first; no counter-example does (issue 4, "Done when")."""

from __future__ import annotations

from diagnostics.matcher import check_examples


def test_examples_rank_their_entry_first_and_counter_examples_do_not():
    from kb.index import get_kb

    errors = check_examples(get_kb())
    assert errors == [], "\n".join(errors)
