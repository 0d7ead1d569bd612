"""Failure sentences as extra ranker features (docs/ranking.md, tenth session; not kept).

    .venv/bin/python bench/failsent_experiment.py                 # variant B (as measured)
    .venv/bin/python bench/failsent_experiment.py --candidates    # A: their top K as candidates
    .venv/bin/python bench/failsent_experiment.py --prose-only    # C: prose pastes only

The informative text (signals.informative_text) is cut into sentences (lines, then ". ",
"! ", "? "); the ones with a failure word (signals._is_failure) or an English complaint
word (COMPLAINT_WORDS: never, stuck, hangs, twice, lost, slow, doesn't, only, instead...)
are the paste's failure text. BM25 and the WordLlama cosine of that text against the
entries become three features beside the shipped ones: `fail_bm25_rel` (its BM25 / its
best BM25), `fail_bm25_rr` (1 / its BM25 rank, 0 outside the top K), `fail_cos`; all 0 when
the paste has no failure sentence or every sentence is one. Nothing in diagnostics/ changes:
the features are patched in here, as bench/compare_embeddings.py does. Trains with
bench/train_ranker.py's own `train` (5-fold CV, L2 grid, 99.5% threshold) and prints corpus
and heldout3..7 out of fold, the other open sets and the floors with the full fit, the
floors together, and the prose pastes of the floors. In the session the figures were taken
with the same code inside diagnostics/signals.py and `evalall.sh`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402

EXTRA = ("fail_bm25_rel", "fail_bm25_rr", "fail_cos")
_COMPLAINT = (
    "never stuck hang hangs hanging hung freeze freezes freezing frozen twice duplicate "
    "duplicated duplicates lost lose loses losing slow slower slowly not doesnt dont "
    "didnt isnt wont cant arent wasnt werent fails failed failing only instead stops "
    "stopped crash crashes crashed wrong nothing ignored ignores again disappear "
    "disappears disappeared restarts restarted dies died leak leaks leaking grows "
    "growing unexpected unexpectedly broken weird strange randomly sometimes silently"
)
COMPLAINT_WORDS = frozenset(_COMPLAINT.split())
_WORD_BREAKS = str.maketrans(
    {ch: " " for ch in '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t'} | {"'": "", "\u2019": ""}
)


def complains(sentence: str) -> bool:
    """An English complaint word in `sentence` (whole words, apostrophes dropped)."""
    if not sentence.isascii() and "\u2019" not in sentence:
        return False
    words = sentence.lower().translate(_WORD_BREAKS).split()
    return any(word in COMPLAINT_WORDS for word in words)


def failure_text(text: str) -> str:
    """The failure sentences of an informative text; "" when none or all of them are."""
    from diagnostics.signals import _is_failure  # bench-only reuse of the engine's words

    kept: list[str] = []
    total = 0
    for line in text.split("\n"):
        for sep in (". ", "! ", "? "):
            line = line.replace(sep, sep[0] + "\n")
        for sentence in line.split("\n"):
            sentence = sentence.strip()
            if not sentence:
                continue
            total += 1
            if _is_failure(sentence) or complains(sentence):
                kept.append(sentence)
    if not kept or len(kept) == total:
        return ""
    return "\n".join(kept)


def install(candidates: bool, prose_only: bool, gate: bool = False) -> None:
    """Patch the three features into diagnostics.signals (and learned_rank's names); with
    `gate`, an answer the failure features counted for is `high` only when it is without
    their part (and the setting signal's) too, as the setting signal's gate does."""
    from diagnostics import learned_rank, signals  # bench-only patching

    first = len(signals.FEATURES)
    signals.FEATURES = learned_rank.FEATURES = signals.FEATURES + EXTRA
    if gate:
        base_unlifted, base_sure = learned_rank.unlifted, learned_rank.sure_up_to

        def unlifted(weights):
            out = base_unlifted(weights)
            return [0.0 if first <= i < first + len(EXTRA) else w for i, w in enumerate(out)]

        def sure_up_to(top, probability, without_setting):
            if getattr(top, "fail_any", False) and without_setting is not None:
                if top.leaves_exception:
                    return 0.0
                return min(probability, without_setting())
            return base_sure(top, probability, without_setting)

        learned_rank.unlifted, learned_rank.sure_up_to = unlifted, sure_up_to
    original = signals.paste_signals
    base_features = signals.PasteSignals.features

    def paste_signals(kb, parsed, hits, findings, *, use=None):
        result = original(kb, parsed, hits, findings, use=use)
        result.fail = {}
        use = use or frozenset(signals.SIGNAL_KINDS)
        text = failure_text(result.text) if (result.prose or not prose_only) else ""
        if not text or "bm25" not in use:
            return result
        ranked = signals.bm25_scores(kb, text)
        best = ranked[0][1] if ranked else 0.0
        found = {}
        for rank, (slug, score) in enumerate(ranked, start=1):
            if candidates and slug in kb.entries and slug not in result.candidates:
                added = result.candidates.setdefault(slug, signals.Candidate(slug))
                if "setting" in use:
                    added.setting = signals.setting_scores(kb, parsed)[0].get(slug, 0.0)
                if "cosine" in use:
                    shipped = signals.cosine_scores(kb, result.text, top=signals.TOP_K)
                    added.cos = shipped.of(slug) if shipped is not None else 0.0
            found[slug] = (score / best if best > 0 else 0.0, 1.0 / rank)
        failing = signals.cosine_scores(kb, text, top=signals.TOP_K) if "cosine" in use else None
        for slug in result.candidates:
            rel, rr = found.get(slug, (0.0, 0.0))
            result.fail[slug] = (rel, rr, failing.of(slug) if failing is not None else 0.0)
            result.candidates[slug].fail_any = any(result.fail[slug])
        return result

    def features(self, slug):
        return base_features(self, slug) + list(getattr(self, "fail", {}).get(slug, (0.0,) * 3))

    signals.paste_signals = learned_rank.paste_signals = paste_signals
    signals.PasteSignals.features = features


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--off", action="store_true", help="no extra features (the baseline)")
    parser.add_argument("--candidates", action="store_true", help="their top K as candidates")
    parser.add_argument("--prose-only", action="store_true", help="prose pastes only")
    parser.add_argument("--gate", action="store_true", help="kept out of the `high` decision")
    args = parser.parse_args()
    kb = q.setup()
    if not args.off:
        install(args.candidates, args.prose_only, args.gate)
    import quality
    from train_ranker import train

    from diagnostics.learned_rank import fit

    rows = q.collect(q.training_items(kb), kb)
    data, _, _ = train(rows, data_signals())
    l2, threshold, caps = (
        data["trained"]["l2"],
        data["high_threshold"],
        data["entry_high_thresholds"],
    )
    print(f"l2={l2} threshold={threshold} cv_log_likelihood={data['trained']['cv_log_likelihood']}")
    weights = fit(q.groups_of(rows), l2)
    floors = []
    for name in q.TRAINING_SETS:
        results = quality.cv_results(rows, l2, threshold, caps, (name,))
        print(quality.last_line(name + "*", results))
    for name in ("heldout", "heldout2", "prose_i18n", *q.FLOOR_SETS):
        results = quality.model_results(q.collect(q.load_set(name), kb), weights, threshold, caps)
        print(quality.last_line(name, results))
        if name in q.FLOOR_SETS:
            floors += results
    print(quality.floors_counts(floors))
    print("* out-of-fold (5-fold CV); the others with the full fit")
    return 0


def data_signals() -> tuple[str, ...]:
    from diagnostics.signals import SIGNAL_KINDS

    return SIGNAL_KINDS


if __name__ == "__main__":
    raise SystemExit(main())
