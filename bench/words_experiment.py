"""The learned word signal of the ninth session (docs/ranking.md "Ninth session: learned
words"), and the twelfth session's word model taught by users' reports written for each
entry (docs/ranking.md "Twelfth session"); measured offline with nested out-of-fold
stacking. The thirteenth session shipped a word model with the reports
(diagnostics/words.py, trained by bench/train_ranker.py with single-level stacking); this
script keeps measuring variants of it against the ranker without it.

    .venv/bin/python bench/words_experiment.py --off                       # the ranker as is
    .venv/bin/python bench/words_experiment.py --k 3 --features p,rr,null  # learned words
    .venv/bin/python bench/words_experiment.py --reports bench/data/synthetic_reports \
        --k 3 --features p,rr,null [--gate]          # words from the pastes and the reports
    .venv/bin/python bench/words_experiment.py --reports bench/data/synthetic_reports \
        --reports-only --k 3 --features p,rr         # words from the reports alone
    .venv/bin/python bench/words_experiment.py --reports bench/data/synthetic_reports \
        --knn --k 3 --features p,rr                  # the nearest report's cosine per entry

`bench/data/synthetic_reports/<slug>.yaml`: 30 short reports per entry (1,650), written by
six helpers in the twelfth session from the entry's own file alone (no set, no thread, no
look-up), as users describe the problem in an issue or a chat: mostly symptoms, two thirds
Celery and a third other stacks with the same cause, four in Chinese, Japanese, Russian and
Korean; error text only where copied from the entry.

The word model: a multinomial logistic regression over the unigrams and bigrams of the
paste's informative text (`signals.informative_text`, folded as the BM25 query is), one
class per entry and one for "no entry fits"; binary features weighted by idf and
L2-normalised per paste; numpy only (Nesterov's accelerated gradient, step 1/L, sparse
products). Its features for the ranker: `p` (its probability of the entry), `rr` (1/rank
among its first five entries), `null` (its probability of `_none`, a null feature); its
first `--k` entries become candidates. `--gate`: an answer is `high` only if it is `high`
with the word features' weights zeroed too (as the setting signal is kept out of `high`).

Honesty: the word features of a row in the ranker's cross-validation fold f come from a
word model trained without fold f (a scored row) or without folds f and g (a training row
of fold g), so an out-of-fold answer uses no label of its fold, directly or through the
word features (the reports carry no fold: they are in every word model); the final fit uses
each training row's out-of-fold word features and the floors (never trained on) a word model
trained on all. Rows are cached in $EXP_CACHE (default /tmp/words_rows.pkl; delete it
after changing the KB or qualitylib's sets).
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402

CACHE = Path(os.environ.get("EXP_CACHE", "/tmp/words_rows.pkl"))


# the word model itself ships since the thirteenth session: diagnostics/words.py
from diagnostics.words import ITERATIONS, NONE_CLASS, WORDS_L2, WordModel, train_words  # noqa: E402


def collect_all(kb: Any) -> dict[str, list[tuple[q.Row, dict, dict]]]:
    """Per set, each paste's row with every entry's cosine and setting score (a word-model
    candidate that no other signal proposed gets its features from them)."""
    from diagnostics.setting_names import paste_setting_names
    from diagnostics.signals import _signal_connection, paste_signals
    from kb.vectors import cosine_scores

    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())  # noqa: S301 - this script's own cache file
    sets = {"training": q.training_items(kb)}
    for name in q.FLOOR_SETS:
        sets[name] = q.load_set(name)
    table = _signal_connection(kb)
    out = {}
    for name, items in sets.items():
        rows = []
        for item in items:
            parsed, hits, findings = q.paste_inputs(item.text, kb)
            # without the shipped word model: this script adds its own word features
            signals = paste_signals(kb, parsed, hits, findings, words=None)
            sims = cosine_scores(kb, signals.text, top=5)
            cos_all = {s: sims.of(s) for s in kb.entries} if sims else {}
            names = paste_setting_names(parsed)
            setting_all = table.settings.scores(names) if names else {}
            row = q.Row(item, item.kind or q.infer_kind(item.text), signals, q.fold_of(item))
            rows.append((row, cos_all, setting_all))
        out[name] = rows
    CACHE.write_bytes(pickle.dumps(out))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=3, help="word-model candidates")
    parser.add_argument("--features", default="p,rr,null")
    parser.add_argument("--l2", type=float, default=WORDS_L2, help="the word model's")
    parser.add_argument("--iters", type=int, default=ITERATIONS)
    parser.add_argument("--exw", type=float, default=1.0, help="an example's weight")
    parser.add_argument("--off", action="store_true", help="no word signal (baseline)")
    parser.add_argument("--reports", help="folder of <slug>.yaml users' reports (word-model texts)")
    parser.add_argument("--reports-only", action="store_true", help="word model on reports alone")
    parser.add_argument("--rw", type=float, default=1.0, help="a report's weight")
    parser.add_argument("--gate", action="store_true", help="`high` also without the words")
    parser.add_argument("--knn", action="store_true", help="reports by cosine (best per entry)")
    parser.add_argument("--mean2", action="store_true", help="knn: mean of the best two")
    args = parser.parse_args()
    kb = q.setup()
    import copy

    from train_ranker import PRECISION_FOR_HIGH

    from diagnostics.learned_rank import (
        entry_thresholds,
        fit,
        high_threshold,
        predict,
        sure_up_to,
        unlifted,
    )
    from diagnostics.signals import _STOP, FEATURES, NULL_FEATURES, Candidate

    data = collect_all(kb)
    training = data["training"]
    feats = [f for f in args.features.split(",") if f]
    entry_feats = [f for f in feats if f in ("p", "rr", "logp")]
    null_feats = [f for f in feats if f in ("null",)]
    if args.off:
        entry_feats, null_feats = [], []
    n, m = len(FEATURES), len(NULL_FEATURES)
    dim = n + len(entry_feats) + m + len(null_feats)
    classes = q.word_classes(kb)
    texts = [r.signals.text for r, _, _ in training]
    labels = [r.item.expect for r, _, _ in training]
    weights_s = [1.0 if q.is_paste(r) else args.exw for r, _, _ in training]
    models: dict[frozenset, WordModel] = {}
    report_texts: list[str] = []
    report_labels: list[str | None] = []
    if args.reports:
        report_texts, labelled = q.reports(classes, Path(args.reports))
        report_labels = list(labelled)
        print(f"reports: {len(report_texts)} texts of {len(set(report_labels))} entries")

    class Knn:
        """An entry's score: its best reports' cosine with the paste (WordLlama)."""

        def __init__(self) -> None:
            import numpy as np

            from kb.vectors import get_model

            self.model = get_model()
            self.matrix = self.model.embed(report_texts)
            self.labels = np.array(report_labels)
            self.slugs = sorted(set(report_labels))

        def probabilities(self, text):
            import numpy as np

            v = self.model.embed_one(text)
            sims = np.einsum("ij,j->i", self.matrix, v)
            out = {}
            for slug in self.slugs:
                m = sims[self.labels == slug]
                if args.mean2:
                    out[slug] = float(np.sort(m)[-2:].mean())
                else:
                    out[slug] = float(m.max())
            return out

    knn = Knn() if args.knn else None

    def model_without(excluded: frozenset):
        if knn is not None:
            return knn
        if args.reports_only:
            excluded = frozenset(range(q.FOLDS))  # every fold left out: the reports alone
        if excluded not in models:
            keep = [i for i, (r, _, _) in enumerate(training) if r.fold not in excluded]
            models[excluded] = train_words(
                [texts[i] for i in keep] + report_texts,
                [labels[i] for i in keep] + report_labels,
                classes,
                sample_weights=[weights_s[i] for i in keep] + [args.rw] * len(report_texts),
                stop=_STOP,
                l2=args.l2,
                iterations=args.iters,
            )
        return models[excluded]

    def build(entry, model):
        row, cos_all, setting_all = entry
        signals = row.signals
        probs = {} if model is None or args.off else model.probabilities(signals.text)
        ranked = sorted((c for c in probs if c != NONE_CLASS), key=lambda c: (-probs[c], c))
        rank = {c: i + 1 for i, c in enumerate(ranked[:5])}
        if args.k and probs:
            extra = [c for c in ranked[: args.k] if c not in signals.candidates]
            if extra:
                signals = copy.copy(signals)
                signals.candidates = dict(signals.candidates)
                for slug in extra:
                    signals.candidates[slug] = Candidate(
                        slug, cos=cos_all.get(slug, 0.0), setting=setting_all.get(slug, 0.0)
                    )
        slugs = list(signals.candidates)
        matrix = []
        for s in slugs:
            extra = []
            for f in entry_feats:
                p = probs.get(s, 0.0)
                extra.append(
                    p
                    if f == "p"
                    else (1.0 / rank[s] if s in rank else 0.0)
                    if f == "rr"
                    else max(math.log(max(p, 1e-9)) - math.log(probs[ranked[0]]), -10) / 10
                )
            matrix.append(signals.features(s) + extra + [0.0] * (m + len(null_feats)))
        nulls = [probs.get(NONE_CLASS, 0.0) for _ in null_feats]
        matrix.append([0.0] * (n + len(entry_feats)) + signals.null_features() + nulls)
        expect = row.item.expect
        target = slugs.index(expect) if expect in signals.candidates else len(slugs)
        new_row = q.Row(row.item, row.kind, signals, row.fold)
        return new_row, matrix, target

    def gw(row):
        return 1.0 if q.is_paste(row) else q.EXAMPLE_WEIGHT

    # nested CV designs
    folds = range(q.FOLDS)
    test_design = {}
    for f in folds:
        mf = None if args.off else model_without(frozenset({f}))
        for i, e in enumerate(training):
            if e[0].fold == f:
                test_design[i] = build(e, mf)
    scored = []
    train_designs = {}
    for f in folds:
        groups = []
        for i, e in enumerate(training):
            g = e[0].fold
            if g == f:
                continue
            key = (f, i)
            if key not in train_designs:
                mfg = None if args.off else model_without(frozenset({f, g}))
                train_designs[key] = build(e, mfg)
            r, mat, t = train_designs[key]
            groups.append((mat, t, gw(r)))
        train_designs[f] = groups
    word_idx = set(range(n, n + len(entry_feats))) | set(range(dim - len(null_feats), dim))

    def zero_words(w):
        return [0.0 if i in word_idx else x for i, x in enumerate(w)]

    scored_gates = []
    for l2 in q.L2_GRID:
        probs = {}
        gates = {}
        words_gate = {}
        for f in folds:
            w = fit(train_designs[f], l2, dim=dim)
            for i, (r, mat, _) in test_design.items():
                if r.fold == f:
                    probs[i] = predict(w, mat)
                    gates[i] = predict(unlifted(w), mat)
                    if args.gate:
                        words_gate[i] = predict(zero_words(w), mat)
        ll = sum(math.log(max(probs[i][test_design[i][2]], 1e-12)) for i in probs)
        scored.append((ll, l2, probs, gates))
        scored_gates.append(words_gate)
        print(f"l2={l2} ll={ll:.1f}", flush=True)
    best = max(range(len(scored)), key=lambda k: (scored[k][0], -scored[k][1]))
    ll, l2, probs, gates = scored[best]
    words_gate = scored_gates[best]
    answers = []
    for i, (r, _, _) in test_design.items():
        if not q.is_paste(r):
            continue
        a = q.answer_from(r, probs[i], threshold=2.0)
        if a.slug is not None:
            without = gates[i][list(r.signals.candidates).index(a.slug)]
            sure = sure_up_to(r.signals.candidates[a.slug], a.probability, lambda w=without: w)
            if args.gate:
                sure = min(sure, words_gate[i][list(r.signals.candidates).index(a.slug)])
            answers.append((a.slug, sure, a.slug == r.item.expect))
    threshold = high_threshold([(p, ok) for _, p, ok in answers], precision=PRECISION_FOR_HIGH)
    caps = entry_thresholds(answers, threshold)
    print(f"chosen l2={l2} ll={ll:.1f} threshold={threshold:.4f} caps={len(caps)}")

    def score(rows_probs):
        res = []
        for r, p, p0, without_words in rows_probs:
            a = q.answer_from(r, p, threshold, entry_thresholds=caps, unlifted=p0)
            if args.gate and a.confidence == "high":
                needed = max(threshold, caps.get(a.slug, 0.0))
                if without_words[list(r.signals.candidates).index(a.slug)] < needed:
                    a = q.Answer(a.slug, "possible", a.probability)
            top = q.top3_from(r, p) if a.slug else []
            res.append((r, a, top))
        return res

    def line(name, res):
        nn = len(res)
        t1 = sum(
            (a.slug == r.item.expect) if r.item.expect else a.confidence != "high"
            for r, a, _ in res
        )
        t3 = sum(
            (r.item.expect in top) if r.item.expect else a.confidence != "high" for r, a, top in res
        )
        high = [(r, a) for r, a, _ in res if a.confidence == "high"]
        wrong = sum(a.slug != r.item.expect for r, a in high)
        nones = [(r, a) for r, a, _ in res if r.item.expect is None]
        strict = sum(a.confidence == "none" for r, a in nones)
        prose = [(r, a, top) for r, a, top in res if r.kind == "prose"]
        pt1 = sum(
            (a.slug == r.item.expect) if r.item.expect else a.confidence != "high"
            for r, a, _ in prose
        )
        print(
            f"{name:<10} n={nn:>4} top1={t1:>4} ({t1 / nn:.3f}) top3={t3:>4} ({t3 / nn:.3f}) "
            f"high={len(high):>3} ({len(high) / nn:.3f}) wrong_high={wrong} "
            f"none_strict={strict}/{len(nones)} prose_top1={pt1}/{len(prose)}"
        )
        return res

    results = {}
    for name in q.TRAINING_SETS:
        sel = [
            (test_design[i][0], probs[i], gates[i], words_gate.get(i))
            for i in test_design
            if q.is_paste(test_design[i][0]) and q.set_of(test_design[i][0]) == name
        ]
        results[name] = line(name, score(sel))
    # final: OOF word features for the training rows, ranker on all, word model on all
    final_groups = []
    for i in range(len(training)):
        r, mat, t = test_design[i]
        final_groups.append((mat, t, gw(r)))
    w = fit(final_groups, l2, dim=dim)
    full = None if args.off else model_without(frozenset())
    for name in q.FLOOR_SETS:
        sel = []
        for e in data[name]:
            r, mat, t = build(e, full)
            sel.append((r, predict(w, mat), predict(unlifted(w), mat), predict(zero_words(w), mat)))
        results[name] = line(name, score(sel))
    variant = "off" if args.off else f"{args.features}_{args.k}_{args.l2}"
    if args.reports:
        variant += (
            "_reports" + ("_only" if args.reports_only else "") + ("_knn" if args.knn else "")
        )
    out = Path(f"/tmp/words_res_{variant}.pkl")
    out.write_bytes(
        pickle.dumps(
            {
                k: [
                    (r.item.path.as_posix(), r.item.expect, a.slug, a.confidence, top)
                    for r, a, top in v
                ]
                for k, v in results.items()
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
