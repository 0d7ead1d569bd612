"""Prose × meaning-signal interaction features, screened (docs/ranking.md, eleventh session).

    .venv/bin/python bench/prose_interactions_experiment.py                 # every variant
    .venv/bin/python bench/prose_interactions_experiment.py --variant A B   # some of them

The shipped ranker weighs BM25 and the cosine the same for every paste. Each variant adds
2-4 features `prose × <meaning feature>` (prose: signals.PasteSignals.prose, the paste has no
log line, exception or config, the same flag `null_prose` reads), so a prose paste's
meaning signals get their own weight on top of the shared one. The signals of every paste
are computed once; each variant patches FEATURES and PasteSignals.features, trains with
bench/train_ranker.py's own `train` (5-fold CV, L2 grid, 99.5% threshold) and prints the
CV log-likelihood, corpus and heldout3..7 out of fold, the floors with the full fit, the
floors together and their prose pastes. The variant measured end to end was then written
into diagnostics/signals.py and measured with `evalall.sh`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402

BASE = (
    "sig_score",
    "sig_max",
    "sig_count",
    "rule",
    "bm25_rel",
    "bm25_rr",
    "bm25_head_rel",
    "cos",
    "cos_gap",
    "cos_rr",
    "sig_lead",
    "setting",
)
VARIANTS = {
    "off": (),
    "A": ("bm25_rel", "cos_gap"),
    "B": ("bm25_rel", "cos"),
    "C": ("bm25_rel", "bm25_head_rel", "cos_gap"),
    "D": ("bm25_rel", "bm25_head_rel", "cos", "cos_gap"),
    "E": ("bm25_rel", "cos", "cos_gap"),
    "F": ("bm25_rr", "cos_rr"),
    "G": ("bm25_head_rel", "cos"),
    "H": ("bm25_rel", "bm25_head_rel"),
    "I": ("cos", "cos_gap"),
}


def install(extra: tuple[str, ...]) -> None:
    from diagnostics import learned_rank, signals  # bench-only patching

    index = [BASE.index(name) for name in extra]
    signals.FEATURES = learned_rank.FEATURES = BASE + tuple("prose_" + n for n in extra)

    def features(self, slug):
        row = base_features(self, slug)
        prose = 1.0 if self.prose else 0.0
        return row + [prose * row[i] for i in index]

    signals.PasteSignals.features = features


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    kb = q.setup()
    import quality
    from train_ranker import train

    from diagnostics import signals
    from diagnostics.learned_rank import fit

    assert tuple(signals.FEATURES) == BASE
    global base_features
    base_features = signals.PasteSignals.features
    rows = q.collect(q.training_items(kb), kb)
    floor_rows = {name: q.collect(q.load_set(name), kb) for name in q.FLOOR_SETS}
    for variant in args.variant:
        install(VARIANTS[variant])
        data, _, _ = train(rows, signals.SIGNAL_KINDS)
        l2, threshold, caps = (
            data["trained"]["l2"],
            data["high_threshold"],
            data["entry_high_thresholds"],
        )
        print(
            f"== variant {variant} {VARIANTS[variant]} l2={l2} threshold={threshold} "
            f"cv_log_likelihood={data['trained']['cv_log_likelihood']}"
        )
        weights = fit(q.groups_of(rows), l2)
        named = dict(zip(signals.FEATURES, weights, strict=False))
        print(
            "  weights "
            + " ".join(f"{k}={named[k]:.2f}" for k in named if "bm25" in k or "cos" in k)
        )
        oof = quality.cv_results(rows, l2, threshold, caps)
        for name in q.TRAINING_SETS:
            part = [
                r
                for r, row in zip(oof, [row for row in rows if q.is_paste(row)], strict=True)
                if q.set_of(row) == name
            ]
            print("  " + quality.last_line(name + "*", part))
        floors = []
        for name in q.FLOOR_SETS:
            results = quality.model_results(floor_rows[name], weights, threshold, caps)
            print("  " + quality.last_line(name, results))
            floors += results
        print("  " + quality.floors_counts(floors), flush=True)
    return 0


base_features = None

if __name__ == "__main__":
    raise SystemExit(main())
