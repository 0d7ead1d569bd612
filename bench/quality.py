"""Answer quality per set and per kind: top-1, top-3, confident-wrong, calibration.

    .venv/bin/python bench/quality.py --set corpus      # cross-validated (out-of-fold) figures
    .venv/bin/python bench/quality.py --set heldout     # the engine as shipped
    .venv/bin/python bench/quality.py --set heldout2 --baseline   # the pre-issue-10 ranking
    .venv/bin/python bench/quality.py --ablate signal   # what each signal contributes
    .venv/bin/python bench/quality.py --sealed          # the sealed set (the lead, once)

Definitions (the same as tests/test_corpus_accuracy.py):
- top-1: a labelled paste is a hit when the first match is its entry (any
  confidence); a `_none` paste is a hit when no match is `high`.
- top-3: the entry is among the first three matches (`_none`: as top-1);
  top3+search also counts the search results shown with a `none` answer
  (engine runs only; out-of-fold corpus rows have no search results).
- confident_wrong: share of `_none` pastes answered with any entry at `high`.
- high_precision: share of `high` answers that name the right entry ("-" if none).
- calibration: per confidence level, how many answers and how many right
  (`none` is right for a `_none` paste); and per probability band of the top match.

`--set corpus` (and any set the committed model was trained on: qualitylib.TRAINING_SETS,
the corpus and the spent held-out sets) reports out-of-fold answers (5-fold CV over all the
training pastes at the trained L2 and the committed high threshold, scored on that set's
rows): the committed weights have seen every one of them, so scoring them with those
weights would flatter the ranker. Other sets run
`diagnostics.engine.diagnose` end to end. Kinds come from a file's `kind:`
header, else from `qualitylib.infer_kind` (documented there). The last line is
`quality set=<name> n=N top1=… top3=… confident_wrong=… high_precision=…`.
The default set is the sealed one and needs `--sealed`.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402

SEALED_DEFAULT = "heldout20"  # sealed (started at the end of the twenty-fourth session)
BANDS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01))


@dataclass
class Result:
    expect: str | None
    kind: str
    top: list[str]  # matches, best first
    confidence: str  # the paste's confidence (high | possible | none)
    probability: float
    fallback: list[str] | None = None  # matches then search results (engine runs only)

    @property
    def top1(self) -> bool:
        if self.expect is None:
            return self.confidence != "high"
        return bool(self.top) and self.top[0] == self.expect

    @property
    def top3(self) -> bool:
        if self.expect is None:
            return self.top1
        return self.expect in self.top[:3]

    @property
    def top3_fallback(self) -> bool:
        """top-3 counting the search results shown with a `none` answer."""
        if self.expect is None or self.fallback is None:
            return self.top3
        return self.expect in self.fallback[:3]

    @property
    def right(self) -> bool:
        """Right at its confidence: `none`/`possible` on `_none`, the entry first otherwise."""
        if self.expect is None:
            return self.confidence == "none" or (self.confidence != "high")
        return self.top1


def engine_results(items: list, kb) -> list[Result]:
    from diagnostics.engine import diagnose

    out = []
    for item in items:
        result = diagnose(item.text, kb=kb)
        top = [m.slug for m in result.matches]
        confidence = result.confidence  # the paste's: `high` only when the first match is
        probability = result.matches[0].score if result.matches else 0.0
        fallback = top + [getattr(hit, "slug", "") for hit in result.search_results]
        kind = item.kind or q.infer_kind(item.text)
        out.append(Result(item.expect, kind, top, confidence, probability, fallback))
    return out


def cv_results(
    rows: list[q.Row],
    l2: float,
    threshold: float,
    caps: dict[str, float] | None = None,
    sets: tuple[str, ...] | None = None,
    prior_l2: float | None = None,
) -> list[Result]:
    """Out-of-fold results of the training rows of `sets` (default: every set; the
    entries' examples train, not scored); `prior_l2`: with the entries' intercepts."""
    gate: list[list[float]] = [[] for _ in rows]
    gate_w: list[list[float]] = [[] for _ in rows]
    probabilities = q.cv_probabilities(rows, l2, gate, prior_l2=prior_l2, wordless_out=gate_w)
    out = []
    for row, p, p0, pw in zip(rows, probabilities, gate, gate_w, strict=True):
        if not q.is_paste(row) or (sets is not None and q.set_of(row) not in sets):
            continue
        answer = q.answer_from(row, p, threshold, entry_thresholds=caps, unlifted=p0, wordless=pw)
        top = q.top3_from(row, p) if answer.slug else []
        out.append(Result(row.item.expect, row.kind, top, answer.confidence, answer.probability))
    return out


def model_results(
    rows: list[q.Row],
    weights: list[float],
    threshold: float,
    caps: dict[str, float] | None = None,
    priors: dict[str, float] | None = None,
) -> list[Result]:
    from diagnostics.learned_rank import design, predict, unlifted, wordless

    index = {slug: column for column, slug in enumerate(priors or {})}
    weights = list(weights) + list((priors or {}).values())
    out = []
    for row in rows:
        matrix = design(row.signals, row.item.expect, index)[0]
        p = predict(weights, matrix)
        p0 = predict(unlifted(weights), matrix)
        pw = predict(wordless(weights), matrix)
        answer = q.answer_from(row, p, threshold, entry_thresholds=caps, unlifted=p0, wordless=pw)
        top = q.top3_from(row, p) if answer.slug else []
        out.append(Result(row.item.expect, row.kind, top, answer.confidence, answer.probability))
    return out


def figures(results: list[Result]) -> dict[str, str]:
    n = len(results)
    nones = [r for r in results if r.expect is None]
    high = [r for r in results if r.confidence == "high"]
    return {
        "n": str(n),
        "top1": f"{sum(r.top1 for r in results) / n:.3f}" if n else "-",
        "top3": f"{sum(r.top3 for r in results) / n:.3f}" if n else "-",
        "top3_fb": f"{sum(r.top3_fallback for r in results) / n:.3f}" if n else "-",
        "confident_wrong": (
            f"{sum(r.confidence == 'high' for r in nones) / len(nones):.3f}" if nones else "-"
        ),
        "high_precision": (
            f"{sum(r.expect is not None and r.top1 for r in high) / len(high):.3f}" if high else "-"
        ),
        "high_share": f"{len(high) / n:.3f}" if n else "-",
    }


def report(name: str, results: list[Result], how: str) -> None:
    print(f"== {name} ({how}): {len(results)} pastes")
    print(
        f"{'kind':<10} {'n':>4} {'top1':>6} {'top3':>6} {'top3+search':>11} "
        f"{'conf_wrong':>10} {'high_prec':>9}"
    )
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    for kind in [*q.KINDS, *sorted(set(by_kind) - set(q.KINDS))]:
        if kind in by_kind:
            f = figures(by_kind[kind])
            print(
                f"{kind:<10} {f['n']:>4} {f['top1']:>6} {f['top3']:>6} {f['top3_fb']:>11} "
                f"{f['confident_wrong']:>10} {f['high_precision']:>9}"
            )
    f = figures(results)
    print(
        f"{'all':<10} {f['n']:>4} {f['top1']:>6} {f['top3']:>6} {f['top3_fb']:>11} "
        f"{f['confident_wrong']:>10} {f['high_precision']:>9}"
    )
    print("calibration by confidence (answers, right, share right):")
    for level in ("high", "possible", "none"):
        group = [r for r in results if r.confidence == level]
        right = sum(r.right for r in group)
        share = f"{right / len(group):.3f}" if group else "-"
        print(f"  {level:<9} {len(group):>4} {right:>4} {share:>6}")
    print("calibration by probability of the first match (answers, top-1 right):")
    for low, high in BANDS:
        group = [r for r in results if r.top and low <= r.probability < high]
        right = sum(r.top1 for r in group if r.expect is not None)
        share = f"{right / len(group):.3f}" if group else "-"
        print(f"  [{low:.2f}, {min(high, 1.0):.2f}) {len(group):>4} {right:>4} {share:>6}")


def last_line(name: str, results: list[Result]) -> str:
    f = figures(results)
    return (
        f"quality set={name} n={f['n']} top1={f['top1']} top3={f['top3']} "
        f"confident_wrong={f['confident_wrong']} high_precision={f['high_precision']} "
        f"high_share={f['high_share']}"
    )


def floors_counts(results: list[Result]) -> str:
    """Counts over pooled floor-set results, for the experiment scripts: right at top-1 and
    top-3, `high` answers and the wrong ones among them, and the same for prose."""
    high = [r for r in results if r.confidence == "high"]
    prose = [r for r in results if r.kind == "prose"]
    return (
        f"floors n={len(results)} top1={sum(r.top1 for r in results)} "
        f"top3={sum(r.top3 for r in results)} high={len(high)} "
        f"wrong_high={sum(not (r.expect is not None and r.top1) for r in high)} "
        f"prose n={len(prose)} top1={sum(r.top1 for r in prose)} "
        f"top3={sum(r.top3 for r in prose)}"
    )


def run_set(name: str, kb, *, sealed: bool, baseline: bool) -> tuple[list[Result], str]:
    """The set's results, and how they were obtained (the report's heading)."""
    from diagnostics import learned_rank

    items = q.load_set(name, sealed=sealed)
    if baseline:
        learned_rank._cache[str(learned_rank.WEIGHTS_PATH)] = None  # the old ranking
        return engine_results(items, kb), "baseline ranking"
    model = learned_rank.load_model()
    trained = (model.meta or {}).get("trained", {}) if model else {}
    if name in trained.get("sets", ()):
        rows, _ = q.training_rows(kb, frozenset(model.signals))
        l2 = trained.get("l2", 1.0)
        results = cv_results(
            rows,
            l2,
            model.high_threshold,
            model.entry_high_thresholds,
            (name,),
            trained.get("prior_l2"),
        )
        return results, "learned ranking, out-of-fold"
    return engine_results(items, kb), "learned ranking"


def ablate(kb) -> None:
    from train_ranker import SHIPPED_SIGNALS, train

    from diagnostics.signals import SIGNAL_KINDS

    # the shipped signals, each one left out, each unshipped one added, and each alone
    subsets = {"shipped": SHIPPED_SIGNALS}
    subsets.update({f"-{s}": tuple(x for x in SHIPPED_SIGNALS if x != s) for s in SHIPPED_SIGNALS})
    subsets.update(
        {
            f"+{s}": tuple(x for x in SIGNAL_KINDS if x in SHIPPED_SIGNALS or x == s)
            for s in SIGNAL_KINDS
            if s not in SHIPPED_SIGNALS
        }
    )
    subsets.update({f"{s} only": (s,) for s in SIGNAL_KINDS})
    sets = {name: q.load_set(name) for name in q.OPEN_SETS if name != "corpus"}
    sets.update({name: q.load_set(name) for name in q.FLOOR_SETS})
    shown_sets = ("corpus", "spent", *sets.keys())
    print(
        f"{'signals':<15} {'set':<9} {'n':>4} {'top1':>6} {'top3':>6} "
        f"{'conf_wrong':>10} {'high_prec':>9} {'high_share':>10}"
    )
    for label, use in subsets.items():
        # out-of-fold per training set (word features from the word model without the fold)
        training, words = q.training_rows(kb, frozenset(use))
        rows = {
            name: q.collect(items, kb, use=frozenset(use), words_for=lambda item, w=words: w)
            for name, items in sets.items()
        }
        rows["training"] = training
        data, _, _ = train(rows["training"], use)
        weights, priors = data["weights"], data.get("entry_priors")
        caps = data["entry_high_thresholds"]
        for name in sorted(shown_sets, key=lambda n: (n != "corpus", n != "spent", n)):
            if name in ("corpus", "spent"):
                which = ("corpus",) if name == "corpus" else q.SPENT
                results = cv_results(
                    rows["training"],
                    data["trained"]["l2"],
                    data["high_threshold"],
                    caps,
                    which,
                    data["trained"]["prior_l2"],
                )
            else:
                results = model_results(rows[name], weights, data["high_threshold"], caps, priors)
            f = figures(results)
            shown = name + ("*" if name in ("corpus", "spent") else "")
            print(
                f"{label:<15} {shown:<9} {f['n']:>4} {f['top1']:>6} {f['top3']:>6} "
                f"{f['confident_wrong']:>10} {f['high_precision']:>9} {f['high_share']:>10}"
            )
    print(
        f"* out-of-fold (5-fold CV over the corpus and the spent sets {q.SPENT[0]}..{q.SPENT[-1]}); "
        f"the others use the full fit ({', '.join(sets)}: not trained on)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default=SEALED_DEFAULT, help="a folder of tests/")
    parser.add_argument("--sealed", action="store_true", help="allow scoring a sealed set")
    parser.add_argument("--baseline", action="store_true", help="the old single-signal ranking")
    parser.add_argument("--ablate", choices=["signal"], help="what each signal contributes")
    args = parser.parse_args()
    if args.set in q.SEALED and not args.sealed and not args.ablate:
        parser.error(f"--set {args.set} is sealed: pass --sealed (the lead scores it once)")
    kb = q.setup()
    if args.ablate:
        ablate(kb)
        return 0
    results, how = run_set(args.set, kb, sealed=args.sealed, baseline=args.baseline)
    report(args.set, results, how)
    print(last_line(args.set, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
