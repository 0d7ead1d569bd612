"""Compare the shipped embedding model with vectors computed elsewhere (docs/ranking.md).

    # the texts the cosine signal reads (training pastes, entries' examples, open sets):
    .venv/bin/python bench/compare_embeddings.py --dump /tmp/emb/quality-texts.json
    # the shipped model's vectors for them, through the same path:
    .venv/bin/python bench/compare_embeddings.py --shipped /tmp/emb/shipped.npz
    # the baseline rows (the shipped model as the engine runs it):
    .venv/bin/python bench/compare_embeddings.py
    # ... embed the dump elsewhere (a throwaway venv), then train and score with them:
    .venv/bin/python bench/compare_embeddings.py --vectors /tmp/emb/other.npz   # replaces
    .venv/bin/python bench/compare_embeddings.py --extra /tmp/emb/other.npz     # beside
    #   --prose-only: only for the pastes the parser calls prose (no log line, exception or
    #   config; the shipped cosine, or no extra features, elsewhere)
    #   --null (with --extra): the other model's best cosine as a null-alternative feature
    #   --answers FILE: the floors' answers per paste, to diff two runs

The npz holds `E` (entries, in the order of the dump's `entries` keys) and `P` (pastes,
in the order of the dump's `pastes`), both L2-normalised; the dump is read from
`quality-texts.json` beside the npz (or `--dump`). `--extra` adds the other model's cosine
as three features (`cos_e5`, `cos_e5_gap`, `cos_e5_rr`, like `cos`, `cos_gap`, `cos_rr`)
and its top K as candidates, without touching the shipped code. Prints, after training
with `bench/train_ranker.py`'s own CV: corpus and spent sets out-of-fold; heldout,
heldout2 and the floors heldout8..10 (not trained on) with the full fit; the floors
together; and each of these for the prose pastes alone (the label's kind). Wrong `high`
counts every `high` answer that is not right (a `_none` paste included).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402

ALL = ("signature", "bm25", "cosine", "setting")


def _sets(kb):
    sets = {"training": q.training_items(kb)}
    sets.update({name: q.load_set(name) for name in q.OPEN_SETS if name != "corpus"})
    sets.update({name: q.load_set(name) for name in q.FLOOR_SETS})  # full fit, not trained on
    return sets


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", help="write (or, with --vectors, read) the texts here")
    parser.add_argument("--shipped", help="write the shipped model's vectors of the dump here")
    parser.add_argument("--vectors", help="the other model's cosine replaces the shipped one")
    parser.add_argument("--extra", help="the other model's cosine added as three more features")
    parser.add_argument("--prose-only", action="store_true", help="only on prose-kind pastes")
    parser.add_argument(
        "--null", action="store_true", help="with --extra: the best e5 cosine as a null feature"
    )
    parser.add_argument("--answers", help="write the floors' answers per paste here (JSON)")
    parser.add_argument("--cosine-only", action="store_true")
    args = parser.parse_args()
    kb = q.setup()
    from diagnostics import signals
    from kb.vectors import entry_signal_text

    sets = _sets(kb)
    if args.dump and not (args.vectors or args.extra):
        texts: dict[str, int] = {}
        for items in sets.values():
            for item in items:
                parsed, _, _ = q.paste_inputs(item.text, kb)
                texts.setdefault(signals.informative_text(parsed), len(texts))
        entries = {
            e.slug: entry_signal_text(e)
            for e in sorted(kb.entries.values(), key=lambda e: e.slug)
            if e.kind == "entry"
        }
        Path(args.dump).write_text(json.dumps({"pastes": list(texts), "entries": entries}))
        return 0
    import numpy as np

    if args.shipped:
        from kb.vectors import get_model

        dump = json.loads(Path(args.shipped).with_name("quality-texts.json").read_text())
        model = get_model()
        np.savez(
            args.shipped,
            E=model.embed(list(dump["entries"].values())),
            P=model.embed(dump["pastes"]),
        )
        return 0
    vectors = args.vectors or args.extra
    if vectors is None:  # the shipped model as it is: the baseline rows
        return score(kb, sets, "shipped", args.cosine_only, args.answers)
    data = np.load(vectors)
    dump_path = Path(args.dump) if args.dump else Path(vectors).with_name("quality-texts.json")
    dump = json.loads(dump_path.read_text())
    index = {text: i for i, text in enumerate(dump["pastes"])}
    slugs, matrix, pastes = list(dump["entries"]), data["E"], data["P"]
    slug_index = {slug: i for i, slug in enumerate(slugs)}

    from kb.vectors import Similarities

    def other_scores(kb, text, top=5):  # the other model's vectors, same interface
        if not text.strip():
            return None
        return Similarities(slugs, matrix @ pastes[index[text]], top, slug_index)

    if args.vectors:
        shipped_scores = signals.cosine_scores

        def cosine_scores(kb, text, top=5):
            # --prose-only: the parser's prose pastes only (the kind it knows, not the label)
            if args.prose_only and not _PROSE.get(text, False):
                return shipped_scores(kb, text, top)
            return other_scores(kb, text, top)

        signals.cosine_scores = cosine_scores
        _track_prose(signals)
        label = "replace" + ("-prose" if args.prose_only else "")
        return score(kb, sets, label, args.cosine_only, args.answers)
    _add_features(signals, other_scores, args.prose_only, args.null)
    label = "extra" + ("-prose" if args.prose_only else "") + ("-null" if args.null else "")
    return score(kb, sets, label, False, args.answers)


_PROSE: dict[str, bool] = {}  # informative text -> the parser calls the paste prose


def _track_prose(signals) -> None:
    """Remember, per informative text, whether the parser found neither log nor config."""
    original = signals.informative_text

    def informative_text(parsed, limit=signals.MAX_SIGNAL_CHARS):
        text = original(parsed, limit)
        logged = bool(parsed.exceptions or parsed.log_lines)
        _PROSE[text] = not (logged or parsed.config or parsed.yaml_docs)
        return text

    signals.informative_text = informative_text


EXTRA = ("cos_e5", "cos_e5_gap", "cos_e5_rr")


def _add_features(signals, other_scores, prose_only: bool, null: bool = False) -> None:
    """The other model's cosine as three more features beside WordLlama's (its top K are
    candidates too); with `prose_only`, for the parser's prose pastes only (0 elsewhere)."""
    from diagnostics import learned_rank

    features = signals.FEATURES + EXTRA
    signals.FEATURES = learned_rank.FEATURES = features
    if null:
        nulls = signals.NULL_FEATURES + ("null_best_cos_e5",)
        signals.NULL_FEATURES = learned_rank.NULL_FEATURES = nulls
        base_null = signals.PasteSignals.null_features
        signals.PasteSignals.null_features = lambda self: (
            base_null(self) + [getattr(self, "e5_best", 0.0)]
        )
    original = signals.paste_signals
    base_features = signals.PasteSignals.features

    def paste_signals(kb, parsed, hits, findings, *, use=None):
        result = original(kb, parsed, hits, findings, use=use)
        result.e5 = {}
        if use is not None and "cosine" not in use:
            return result
        if prose_only and not result.prose:
            return result
        similarities = other_scores(kb, result.text, top=signals.TOP_K)
        if similarities is None:
            return result
        best = similarities.top[0][1] if similarities.top else 0.0
        result.e5_best = best
        ranks = {slug: rank for rank, (slug, _) in enumerate(similarities.top, start=1)}
        shipped = signals.cosine_scores(kb, result.text, top=signals.TOP_K)
        for slug in ranks:
            if slug in kb.entries and slug not in result.candidates:
                added = result.candidates.setdefault(slug, signals.Candidate(slug))
                added.cos = shipped.of(slug) if shipped is not None else 0.0
                if "setting" in (use or signals.SIGNAL_KINDS):
                    added.setting = signals.setting_scores(kb, parsed)[0].get(slug, 0.0)
        for slug in result.candidates:
            value = similarities.of(slug)
            result.e5[slug] = (value, value - best, 1.0 / ranks[slug] if slug in ranks else 0.0)
        return result

    def features(self, slug):
        return base_features(self, slug) + list(getattr(self, "e5", {}).get(slug, (0.0,) * 3))

    signals.paste_signals = paste_signals
    signals.PasteSignals.features = features


def score(kb, sets, label: str, cosine_only: bool, answers: str | None = None) -> int:
    """Train on the training rows (5-fold CV for corpus/spent), fit on all of them, and
    print every set's figures and its prose alone (the label's kind)."""
    import quality
    from train_ranker import train

    from diagnostics.learned_rank import design, fit, predict

    subsets = {label: ALL}
    if cosine_only:
        subsets[label + " cosine only"] = ("cosine",)
    for name_, use in subsets.items():
        rows = {name: q.collect(items, kb, use=frozenset(use)) for name, items in sets.items()}
        model, _, _ = train(rows["training"], use)
        l2, threshold = model["trained"]["l2"], model["high_threshold"]
        caps = model["entry_high_thresholds"]
        weights = fit(q.groups_of(rows["training"]), l2)
        spent = quality.cv_results(rows["training"], l2, threshold, caps, q.SPENT)
        shown = {
            "corpus*": quality.cv_results(rows["training"], l2, threshold, caps, ("corpus",)),
            "spent*": spent,
        }
        floors = []
        per_paste = {}
        candidates_top3: list[bool] = []
        for name in ("heldout", "heldout2", *q.FLOOR_SETS):
            shown[name] = quality.model_results(rows[name], weights, threshold, caps)
            if name in q.FLOOR_SETS:
                floors += shown[name]
                for row, r in zip(rows[name], shown[name], strict=True):
                    key = f"{name}/{row.item.path.parent.name}/{row.item.path.name}"
                    per_paste[key] = [r.expect, r.kind, r.top, r.confidence, r.probability]
                    # the first three candidates even when the answer is `none`
                    p = predict(weights, design(row.signals, row.item.expect)[0])
                    listed = r.top or q.top3_from(row, p)
                    candidates_top3.append(r.expect is None and r.top1 or r.expect in listed)
        if answers and name_ == label:
            Path(answers).write_text(json.dumps(per_paste, indent=1))
        shown["floors8-10"] = floors
        for name, results in list(shown.items()):
            shown[name + "/prose"] = [r for r in results if r.kind == "prose"]
        print(f"# {name_}: l2={l2} high_threshold={threshold} weights={weights}")
        print(
            f"# floors8-10 top-3 with the candidates listed under a `none` answer too: "
            f"{sum(candidates_top3) / len(candidates_top3):.3f}"
        )
        for name, results in shown.items():
            f = quality.figures(results)
            wrong = sum(r.confidence == "high" and not r.top1 for r in results)
            print(
                f"{name_:<14} {name:<20} n={f['n']:>4} top1={f['top1']} top3={f['top3']} "
                f"high_share={f['high_share']} wrong_high={wrong} "
                f"confident_wrong={f['confident_wrong']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
