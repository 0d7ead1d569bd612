"""Offline: the first match from the full model, the other places from a meaning-only one?

    .venv/bin/python bench/rerank_experiment.py

The ablation (docs/ranking.md, "Eighth session, end") shows top-3 higher on every floor when
the ranker is trained without the signature features, while top-1 and `high` need them. The
variants here keep the full model's first match and its confidence exactly (so top-1,
confident-wrong and `high` are unchanged by construction) and change only places 2 and 3:

- current: the full model's order.
- meaning: the other places from the ranker trained without signatures (bm25, cosine,
  setting), the full model's first match left out.
- interleave: full 2nd place and meaning 1st place alternate (meaning's first).
- mean: the other places by the mean of the two models' probabilities.
- zeroed: no second model: the other places by the full model's own weights with the
  signature features (sig_score, sig_max, sig_count, sig_lead) set to zero, same candidates.
- diversity (ninth session): when the first match has signature or rule evidence, the other
  places from the meaning ranker (its best entries not yet listed); otherwise current.
- 2nd-p<l2>, 2nd-f<l2> (ninth session): a third conditional logit trained only on the pastes
  whose first answer is wrong and whose right entry is in the pool (either model's listing
  but the first): "which of the others, given the first is wrong"; its rows are log p of both
  models (p) or those and the full features (f), its L2 the number. Out-of-fold like the rest
  on the training rows; for the floors fitted on all training pastes.

The engine implements `mean` since the ninth session (diagnostics/learned_rank.other_places;
docs/ranking.md, "Ninth session: places 2-3"); the `current` rows here are the full model's
order, what the engine did before. Prose top-3 is shown beside top-3 (counts in brackets).

Training sets (corpus, heldout3..7) are out-of-fold (5-fold CV, both models); the floors
heldout8..10 (never trained on) use the full fits. Choose by the training rows only.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402

FULL = ("signature", "bm25", "cosine", "setting")
MEANING = ("bm25", "cosine", "setting")
MIN_P = 0.02
SECOND_L2 = (0.3, 1.0, 3.0)


def ranked(row: q.Row, p: list[float]) -> list[tuple[str, float]]:
    slugs = list(row.signals.candidates)
    out = sorted(zip(slugs, p[:-1], strict=False), key=lambda s: (-s[1], s[0]))
    return [(s, x) for s, x in out if x >= MIN_P]


SIGNATURE_FEATURES = ("sig_score", "sig_max", "sig_count", "sig_lead")


def zeroed(weights: list[float]) -> list[float]:
    from diagnostics.signals import FEATURES

    drop = {FEATURES.index(name) for name in SIGNATURE_FEATURES}
    return [0.0 if i in drop else w for i, w in enumerate(weights)]


def cv_zeroed(rows: list[q.Row], l2: float) -> list[list[float]]:
    """Out-of-fold probabilities of the full model's fold fits with signature weights zeroed."""
    from diagnostics.learned_rank import fit, predict

    groups = q.groups_of(rows)
    out: list[list[float]] = [[] for _ in rows]
    for fold in range(q.FOLDS):
        weights = zeroed(fit([g for g, r in zip(groups, rows, strict=True) if r.fold != fold], l2))
        for index, (group, row) in enumerate(zip(groups, rows, strict=True)):
            if row.fold == fold:
                out[index] = predict(weights, group[0])
    return out


def variants(
    first: str,
    full: list[tuple[str, float]],
    meaning: list[tuple[str, float]],
    nosig: list[tuple[str, float]],
    precise: bool = False,
    extra: dict[str, list[str]] | None = None,
):
    rest_full = [s for s, _ in full if s != first]
    rest_meaning = [s for s, _ in meaning if s != first]
    out = {"current": [first, *rest_full], "meaning": [first, *rest_meaning]}
    mixed: list[str] = [first]
    for a, b in zip(rest_meaning + [None] * 3, rest_full + [None] * 3, strict=False):
        for s in (a, b):
            if s and s not in mixed:
                mixed.append(s)
    out["interleave"] = mixed
    pf, pm = dict(full), dict(meaning)
    pool = set(rest_full) | set(rest_meaning)
    mean = sorted(pool, key=lambda s: (-(pf.get(s, 0.0) + pm.get(s, 0.0)) / 2, s))
    out["mean"] = [first, *mean]
    out["zeroed"] = [first, *[s for s, _ in nosig if s != first]]
    out["diversity"] = out["meaning"] if precise else out["current"]
    for name, order in (extra or {}).items():
        out[name] = [first, *[s for s in order if s != first]]
    return out


def score(
    rows_full, p_full, gate, rows_meaning, p_meaning, p_zero, threshold, caps, keep, extras=None
):
    """{variant: [n, top1, top3, high, high_right, prose n, prose top3]} over the paste rows
    `keep` accepts. `extras`: {variant: per-row order of the other places (or None)}."""
    tally: dict[str, list[int]] = {}
    extras = extras or {}
    for index, (rf, pf, p0, rm, pm, pz) in enumerate(
        zip(rows_full, p_full, gate, rows_meaning, p_meaning, p_zero, strict=True)
    ):
        if not q.is_paste(rf) or not keep(rf):
            continue
        assert rf.item.path == rm.item.path
        answer = q.answer_from(rf, pf, threshold, entry_thresholds=caps, unlifted=p0)
        expect = rf.item.expect
        meaning_top = [s for s, _ in ranked(rm, pm)][:3]
        if expect is not None and expect in meaning_top and answer.slug is None:
            tally.setdefault("(full none, meaning top-3 right)", [0] * 7)[0] += 1
        lists = variants(
            answer.slug or "",
            ranked(rf, pf),
            ranked(rm, pm),
            ranked(rf, pz),
            precise=bool(answer.slug) and rf.signals.candidates[answer.slug].precise,
            extra={name: orders[index] or [] for name, orders in extras.items()},
        )
        if answer.slug is None:
            lists = {v: [] for v in lists}
        for name, top in lists.items():
            t = tally.setdefault(name, [0] * 7)
            hit1 = answer.confidence != "high" if expect is None else top[:1] == [expect]
            hit3 = hit1 if expect is None else expect in top[:3]
            high = answer.confidence == "high"
            t[0] += 1
            t[1] += hit1
            t[2] += hit3
            t[3] += high
            t[4] += high and expect is not None and hit1
            t[5] += rf.kind == "prose"
            t[6] += rf.kind == "prose" and hit3
    return tally


def pool_rows(rf, pf, rm, pm, first, with_features):
    """The other places' pool (entries >= MIN_P in either model, the first left out) and each
    one's row for a places-2-3 model: log p of both models (and the full features)."""
    import math

    pool = sorted({s for s, _ in ranked(rf, pf)} | {s for s, _ in ranked(rm, pm)} - {first})
    full = dict(zip(rf.signals.candidates, pf[:-1], strict=False))
    meaning = dict(zip(rm.signals.candidates, pm[:-1], strict=False))
    rows = []
    for s in pool:
        logs = [math.log(max(full.get(s, 0.0), 1e-4)), math.log(max(meaning.get(s, 0.0), 1e-4))]
        rows.append((rf.signals.features(s) if with_features else []) + logs)
    return pool, rows


def seconds(train_set, target_set, l2, with_features, by_fold):
    """Per target row, the other places ordered by a conditional logit fitted on the training
    pastes whose first answer is wrong and whose right entry is in the pool ("which of the
    others, given the first is wrong"). by_fold: out-of-fold (target = training rows)."""
    from diagnostics.learned_rank import fit

    def groups(data, keep):
        out = {}
        for index, (rf, pf, rm, pm, first) in enumerate(data):
            if first is None or not q.is_paste(rf) or not keep(rf):
                continue
            pool, rows = pool_rows(rf, pf, rm, pm, first, with_features)
            out[index] = (pool, rows)
        return out

    def order(weights, pool, rows):
        utility = [sum(a * b for a, b in zip(weights, row, strict=True)) for row in rows]
        return [s for _, s in sorted(zip(utility, pool, strict=True), key=lambda u: (-u[0], u[1]))]

    def fitted(keep):
        fit_groups = []
        for index, (pool, rows) in groups(train_set, keep).items():
            rf, _, _, _, first = train_set[index]
            expect = rf.item.expect
            if expect is not None and expect != first and expect in pool:
                fit_groups.append((rows, pool.index(expect)))
        return fit(fit_groups, l2, dim=len(fit_groups[0][0][0]))

    result: list[list[str] | None] = [None] * len(target_set)
    if by_fold:
        for fold in range(q.FOLDS):
            weights = fitted(lambda r, f=fold: r.fold != f)
            for index, (pool, rows) in groups(target_set, lambda r, f=fold: r.fold == f).items():
                result[index] = order(weights, pool, rows)
    else:
        weights = fitted(lambda r: True)
        for index, (pool, rows) in groups(target_set, lambda r: True).items():
            result[index] = order(weights, pool, rows)
    return result


def firsts(rows, probabilities, gate, threshold, caps):
    return [
        q.answer_from(r, p, threshold, entry_thresholds=caps, unlifted=p0).slug
        for r, p, p0 in zip(rows, probabilities, gate, strict=True)
    ]


def main() -> int:
    from train_ranker import train

    from diagnostics.learned_rank import fit, predict, unlifted

    kb = q.setup()
    items = q.training_items(kb)
    floors = {name: q.load_set(name) for name in q.FLOOR_SETS}
    rows, models = {}, {}
    for label, use in (("full", FULL), ("meaning", MEANING)):
        rows[label] = {"training": q.collect(items, kb, use=frozenset(use))}
        rows[label].update({n: q.collect(i, kb, use=frozenset(use)) for n, i in floors.items()})
        data, probabilities, gate = train(rows[label]["training"], use)
        weights = fit(q.groups_of(rows[label]["training"]), data["trained"]["l2"])
        models[label] = (data, probabilities, gate, weights)
        print(f"# {label}: l2={data['trained']['l2']} threshold={data['high_threshold']}")
    data, pf, gate, wf = models["full"]
    _, pm, _, wm = models["meaning"]
    threshold, caps = data["high_threshold"], data["entry_high_thresholds"]
    pz = cv_zeroed(rows["full"]["training"], data["trained"]["l2"])
    train_rows = (rows["full"]["training"], rows["meaning"]["training"])
    train_data = list(
        zip(
            train_rows[0],
            pf,
            train_rows[1],
            pm,
            firsts(train_rows[0], pf, gate, threshold, caps),
            strict=True,
        )
    )
    second_kinds = {
        f"2nd-{'f' if feats else 'p'}{l2:g}": (l2, feats)
        for feats in (False, True)
        for l2 in SECOND_L2
    }
    train_extras = {
        name: seconds(train_data, train_data, l2, feats, by_fold=True)
        for name, (l2, feats) in second_kinds.items()
    }
    results = {}
    which = {
        "corpus*": lambda r: q.set_of(r) == "corpus",
        "spent*": lambda r: q.set_of(r) in q.SPENT,
        "training*": lambda r: True,
    }
    for label, keep in which.items():
        results[label] = score(
            train_rows[0], pf, gate, train_rows[1], pm, pz, threshold, caps, keep, train_extras
        )
    for name in q.FLOOR_SETS:
        rf, rm = rows["full"][name], rows["meaning"][name]
        mats_f = [q.groups_of([r])[0][0] for r in rf]
        mats_m = [q.groups_of([r])[0][0] for r in rm]
        p_f = [predict(wf, m) for m in mats_f]
        g_f = [predict(unlifted(wf), m) for m in mats_f]
        p_m = [predict(wm, m) for m in mats_m]
        p_z = [predict(zeroed(wf), m) for m in mats_f]
        target = list(zip(rf, p_f, rm, p_m, firsts(rf, p_f, g_f, threshold, caps), strict=True))
        extras = {
            label: seconds(train_data, target, l2, feats, by_fold=False)
            for label, (l2, feats) in second_kinds.items()
        }
        results[name] = score(rf, p_f, g_f, rm, p_m, p_z, threshold, caps, lambda r: True, extras)
    print(
        f"{'set':<11} {'variant':<11} {'n':>4} {'top1':>6} {'top3':>6} {'(n)':>5} "
        f"{'prose3':>6} {'(n)':>5} {'high':>6} {'high_prec':>9}"
    )
    for name, tally in results.items():
        for variant, (n, t1, t3, high, right, pn, p3) in tally.items():
            if variant.startswith("("):
                print(f"{name:<11} {variant} {n}")
                continue
            prec = f"{right / high:.3f}" if high else "-"
            prose = f"{p3 / pn:.3f}" if pn else "-"
            print(
                f"{name:<11} {variant:<11} {n:>4} {t1 / n:>6.3f} {t3 / n:>6.3f} {t3:>5} "
                f"{prose:>6} {p3:>5} {high / n:>6.3f} {prec:>9}"
            )
    print("* out-of-fold (5-fold CV); floors heldout8..10: full fits, never trained on")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
