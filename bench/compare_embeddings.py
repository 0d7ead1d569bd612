"""Compare the shipped embedding model with vectors computed elsewhere (docs/ranking.md).

    # the texts the cosine signal reads (training pastes, entries' examples, open sets):
    .venv/bin/python bench/compare_embeddings.py --dump /tmp/emb/quality-texts.json
    # the shipped model's vectors for them, through the same path (the baseline row):
    .venv/bin/python bench/compare_embeddings.py --shipped /tmp/emb/shipped.npz
    # ... embed the dump elsewhere (a throwaway venv), then train and score with them:
    .venv/bin/python bench/compare_embeddings.py --vectors /tmp/emb/other.npz

The npz holds `E` (entries, in the order of the dump's `entries` keys) and `P` (pastes,
in the order of the dump's `pastes`), both L2-normalised; the dump is read from
`quality-texts.json` beside the npz (or `--dump`). Prints the rows of
`bench/quality.py --ablate signal` for "all" (and, with `--cosine-only`, "cosine only")
with the other model's cosine: corpus and spent sets out-of-fold, heldout and heldout2
with the full fit, and the spent sets' prose alone.
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
    return sets


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", help="write (or, with --vectors, read) the texts here")
    parser.add_argument("--shipped", help="write the shipped model's vectors of the dump here")
    parser.add_argument("--vectors")
    parser.add_argument("--cosine-only", action="store_true")
    args = parser.parse_args()
    kb = q.setup()
    from diagnostics import signals
    from kb.vectors import entry_signal_text

    sets = _sets(kb)
    if args.dump and not args.vectors:
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
    data = np.load(args.vectors)
    dump_path = Path(args.dump) if args.dump else Path(args.vectors).with_name("quality-texts.json")
    dump = json.loads(dump_path.read_text())
    index = {text: i for i, text in enumerate(dump["pastes"])}
    slugs, matrix, pastes = list(dump["entries"]), data["E"], data["P"]
    slug_index = {slug: i for i, slug in enumerate(slugs)}

    from kb.vectors import Similarities

    def cosine_scores(kb, text, top=5):  # the other model's vectors, same interface
        if not text.strip():
            return None
        return Similarities(slugs, matrix @ pastes[index[text]], top, slug_index)

    signals.cosine_scores = cosine_scores
    import quality
    from train_ranker import train

    from diagnostics.learned_rank import fit

    subsets = {"all": ALL}
    if args.cosine_only:
        subsets["cosine only"] = ("cosine",)
    for label, use in subsets.items():
        rows = {name: q.collect(items, kb, use=frozenset(use)) for name, items in sets.items()}
        model, _, _ = train(rows["training"], use)
        l2, threshold = model["trained"]["l2"], model["high_threshold"]
        caps = model["entry_high_thresholds"]
        weights = fit(q.groups_of(rows["training"]), l2)
        spent = quality.cv_results(rows["training"], l2, threshold, caps, q.SPENT)
        shown = {
            "corpus*": quality.cv_results(rows["training"], l2, threshold, caps, ("corpus",)),
            "spent*": spent,
            "spent-prose*": [r for r in spent if r.kind == "prose"],
            "heldout": quality.model_results(rows["heldout"], weights, threshold, caps),
            "heldout2": quality.model_results(rows["heldout2"], weights, threshold, caps),
        }
        for name, results in shown.items():
            f = quality.figures(results)
            print(
                f"{label:<12} {name:<13} n={f['n']:>4} top1={f['top1']} top3={f['top3']} "
                f"confident_wrong={f['confident_wrong']} high_precision={f['high_precision']} "
                f"high_share={f['high_share']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
