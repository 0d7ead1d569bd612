"""Shared by bench/train_ranker.py and bench/quality.py: sets, signals, cross-validation.

Sets are folders of tests/ in the corpus format (tests/corpus_loader.py). A sealed set
(SEALED: heldout20 and its titles queries_real17, started at the end of the twenty-fourth
session after its engine work, to be grown to 120 and scored once; heldout19 and its titles
queries_real16 were scored once at the start of the twenty-fourth session) is only read
when a caller passes `sealed=True`, which only `bench/quality.py --sealed` does. The spent held-out sets
(heldout3..heldout18: each scored once as a sealed set, read since) train the ranker with the
corpus (TRAINING_SETS); their figures are out-of-fold like the corpus's (heldout8..11 since
the fifteenth session, heldout12..14 since the sixteenth, heldout15..16 since the
seventeenth, heldout17 since the eighteenth, heldout18 since the twenty-first:
docs/ranking.md; `bench/cv_report.py` prints them per set and kind). Spent sets kept out of
training as floors: FLOOR_SETS (heldout19 since its sealed run; with heldout20 started it
could join training, which was measured and not kept: docs/ranking.md, twenty-fourth
session).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Sealed: collected for the next measurement, nobody has seen the engine's answers.
# heldout12 and queries_real9 were scored once at the end of the eleventh session's engine
# work (spent since), as heldout11 and queries_real8 were at the end of the tenth, and
# heldout13 and queries_real10 at the end of the thirteenth (the word signal), heldout14 and
# queries_real11 at the end of the fourteenth (BM25 out of the ranker), heldout15 and
# queries_real12 at the end of the fifteenth (heldout8..11 in training, the sentence gate),
# heldout16 and queries_real13 at the end of the sixteenth (heldout12..14 in training, other
# libraries' texts), heldout17 and queries_real14 at the end of the seventeenth (heldout15..16
# in training, RQ's, Ruby's and PHP's words for an unknown job).
# heldout18 and queries_real15 (grown to 130 pastes at the start of the twentieth session,
# scored once then on the eighteenth session's engine: docs/ranking.md); spent since.
# heldout19 and queries_real16 (collected from the twenty-first to the twenty-fourth session,
# 125 pastes, scored once at the start of the twenty-fourth on the twenty-second session's
# engine: docs/ranking.md); spent since.
# heldout20 and queries_real17: started at the end of the twenty-fourth session, after its
# engine work (tests/heldout20/README.md); sealed
SEALED: frozenset[str] = frozenset({"heldout20"})
# Spent held-out sets: each was scored once as a sealed set, then read to find weaknesses.
# Their pastes train the ranker's weights and thresholds and the word model with the corpus
# (never signatures or examples): 647 real pastes that the corpus lacked, with 90 `_none`
# near-misses that calibrate `high` (docs/ranking.md "Sixth session: the spent sets train
# the ranker"), 504 more since the fifteenth session (heldout8..11) and 367 more since the
# sixteenth (heldout12..14, with the first 39 real pastes of queue-without-consumer), 231
# more since the seventeenth (heldout15..16, many from other job libraries), 114 more since
# the eighteenth (heldout17), 130 more since the twenty-first (heldout18, mostly other job
# systems than Celery).
SPENT = tuple(f"heldout{n}" for n in range(3, 19))  # heldout3..heldout18
TRAINING_SETS = ("corpus", *SPENT)
OPEN_SETS = ("corpus", "heldout", "heldout2")
# Spent sets that are regression floors and not trained on (the ablation shows them too);
# heldout8..11 were floors too until the fifteenth session, heldout12..14 until the
# sixteenth, heldout15..16 until the seventeenth, heldout17 until the eighteenth, heldout18
# until the twenty-first; heldout19 since its sealed run (twenty-fourth session)
FLOOR_SETS: tuple[str, ...] = ("heldout19",)
FOLDS = 5
L2_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
# L2 strengths tried for the entries' intercepts (learned_rank.RankerModel.entry_priors),
# at the features' chosen L2; None: no intercepts. The best out-of-fold log-likelihood wins.
PRIOR_L2_GRID: tuple[float | None, ...] = (None, 1.0, 3.0, 10.0, 30.0)
KINDS = ("log", "traceback", "config", "prose")
# How many corpus pastes an entry's example counts as in training: the build refuses an
# index where an example does not rank its entry first, so the examples are constraints
# more than samples. The lowest power of two at which the build's contract holds.
EXAMPLE_WEIGHT = 8.0


def setup() -> Any:
    import django

    django.setup()
    from kb.index import get_kb

    return get_kb()


def load_set(name: str, *, sealed: bool = False) -> list[Any]:
    from tests.corpus_loader import load_corpus

    if name in SEALED and not sealed:
        raise SystemExit(f"{name} is a sealed set: only `bench/quality.py --sealed` reads it")
    return load_corpus(ROOT / "tests" / name)


def training_items(kb: Any, exclude: tuple[str, ...] = ()) -> list[Any]:
    """What the ranker trains on: the pastes of TRAINING_SETS (but `exclude`) and the
    entries' examples and counter-examples."""
    items = [item for name in TRAINING_SETS if name not in exclude for item in load_set(name)]
    return items + entry_examples(kb)


def set_of(row: Row) -> str:
    """The tests/ folder a row's paste comes from ("examples" for an entry's example)."""
    return "examples" if not is_paste(row) else row.item.path.parent.parent.name


def entry_examples(kb: Any) -> list[Any]:
    """The entries' examples (labelled with their entry) and counter-examples as corpus items.

    The build requires every example to rank its entry first and no counter-example to
    rank its own entry first (diagnostics/validation.py), so the ranker learns from that
    contract as well as from the corpus. A counter-example's right answer is known only
    when no entry has signature or rule evidence in it: then it is "no entry fits"
    (a near-miss). One with precise evidence (often another entry's case) is left out.
    """
    from diagnostics.signals import paste_signals
    from tests.corpus_loader import CorpusItem

    items = []
    for entry in sorted(kb.entries.values(), key=lambda e: e.slug):
        if entry.kind != "entry":
            continue
        for label, texts, expect in (
            ("example", entry.examples, entry.slug),
            ("counter-example", entry.counter_examples, None),
        ):
            for number, text in enumerate(texts, start=1):
                if expect is None:
                    signals = paste_signals(
                        kb, *paste_inputs(text, kb), use=frozenset({"signature"})
                    )
                    if signals.candidates:
                        continue
                path = ROOT / "content" / "examples" / entry.slug / f"{label}-{number}"
                items.append(CorpusItem(path, f"content/{entry.slug}", expect, label, text))
    return items


def is_paste(row: Row) -> bool:
    """A real paste of a set (not an entry's example): the rows the figures are about."""
    return "examples" not in row.item.path.parts


def paste_inputs(text: str, kb: Any) -> tuple[Any, list[Any], list[Any]]:
    """What diagnose() computes before ranking: parsed paste, signature hits, rule findings."""
    from diagnostics.engine import analysed_part, decode_paste
    from diagnostics.matcher import get_matcher
    from diagnostics.parsers import parse_paste
    from diagnostics.rules import run_rules

    analysed, _ = analysed_part(decode_paste(text))
    parsed = parse_paste(analysed)
    findings = run_rules(parsed)
    hits = get_matcher(kb).match(parsed.logical, parsed.exceptions, parsed.lines)
    return parsed, hits, findings


@dataclass
class Row:
    item: Any
    kind: str
    signals: Any  # PasteSignals
    fold: int


def fold_of(item: Any) -> int:
    """A stable fold: a hash of the file name, so adding pastes does not reshuffle the others."""
    key = f"{item.path.parent.name}/{item.path.name}".encode()
    return int(hashlib.sha256(key).hexdigest(), 16) % FOLDS


def collect(
    items: list[Any],
    kb: Any,
    use: frozenset[str] | None = None,
    words_for: Callable[[Any], Any] | None = None,
) -> list[Row]:
    """Each item's row. `words_for(item)`: the word model its signals read (default: the
    shipped one); training_rows passes each fold's."""
    from diagnostics.signals import SHIPPED, paste_signals

    rows = []
    for item in items:
        parsed, hits, findings = paste_inputs(item.text, kb)
        words = SHIPPED if words_for is None else words_for(item)
        signals = paste_signals(kb, parsed, hits, findings, use=use, words=words)
        rows.append(Row(item, item.kind or infer_kind(item.text), signals, fold_of(item)))
    return rows


# --- the word model's training (diagnostics/words.py) ------------------------------------

REPORTS = ROOT / "bench" / "data" / "synthetic_reports"
WORDS_CACHE = ROOT / ".cache" / "words"  # gitignored


def word_classes(kb: Any) -> list[str]:
    from diagnostics.words import NONE_CLASS

    return sorted(s for s, e in kb.entries.items() if e.kind == "entry") + [NONE_CLASS]


def reports(classes: list[str], folder: Path = REPORTS) -> tuple[list[str], list[str]]:
    """The users' reports of `folder` and of its `second/` batch (texts, their entries'
    slugs), for the entries among `classes`."""
    import yaml

    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("second/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["slug"] in classes:
            texts += [str(t) for t in data["reports"]]
            labels += [data["slug"]] * len(data["reports"])
    return texts, labels


def entry_texts(kb: Any, classes: list[str]) -> tuple[list[str], list[str]]:
    """Each entry's own words as word-model training texts (texts, their entries' slugs):
    one text of its title, summary and `symptoms` phrases, one of its Korean title, summary
    and keywords, and one each of its Chinese, Japanese and Russian keywords.

    The reports and the pastes say how people put a problem; these say what the entry calls
    it, in every language it is written for. Out of fold over the 2,632 training pastes:
    top-1 0.842 -> 0.847, top-3 0.944 -> 0.946, as many `high` answers (487 against 488,
    none wrong); prose_i18n 24 -> 27 of 28 (docs/ranking.md, twenty-second session). Tried
    in the fourteenth and seventeenth sessions, it broke the build's contract (a plain
    `json.dumps` TypeError ranked serialization-error first); with the counter-examples
    weighted in the word model (below) the contract holds. The entries' error texts as one
    more text each gave 0.845 and were left out."""
    texts: list[str] = []
    labels: list[str] = []
    for slug in classes:
        entry = kb.entries.get(slug)
        if entry is None:
            continue
        parts = [
            " ".join([entry.title, entry.summary, *entry.symptoms]),
            " ".join([entry.title_ko, entry.summary_ko, *entry.keywords_ko]),
        ]
        parts += [
            " ".join(words)
            for words in (entry.keywords_zh, entry.keywords_ja, entry.keywords_ru)
            if words
        ]
        for text in parts:
            if text.strip():
                texts.append(text)
                labels.append(slug)
    return texts, labels


def signal_text(text: str) -> str:
    """What the word model reads of a paste (signals.informative_text, as paste_signals)."""
    from diagnostics.engine import analysed_part, decode_paste
    from diagnostics.parsers import parse_paste
    from diagnostics.signals import informative_text

    return informative_text(parse_paste(analysed_part(decode_paste(text))[0]))


def word_models(kb: Any, items: list[Any]) -> tuple[Any, dict[int, Any]]:
    """The word model trained on `items` and the reports (what ships), and per fold the one
    trained without that fold's items (what a training row's word features come from).
    Stored pruned, as shipped; cached under WORDS_CACHE by a hash of everything they are
    trained from (a fresh checkout trains FOLDS + 1 models, about a minute each).

    An entry's counter-example counts EXAMPLE_WEIGHT times, as in the ranker: the build
    refuses an index where a counter-example ranks its own entry first, and with heldout18's
    130 pastes in training two of them did (a plain `json.dumps` TypeError and an unpacking
    ValueError in a task's own code, 0.51 and 0.50 against "no entry fits"): the word model
    learnt the error's words from real pastes and weighed each counter-example as one text
    among 4,500. Weighted, they fall to 0.05 and 0.09; the out-of-fold figures and the
    training sets' own do not move. Weighting the examples too cost 37 pastes of the training
    sets' in-sample figures for nothing out of fold (docs/ranking.md, twenty-first session)."""
    from diagnostics import words as w
    from diagnostics.signals import _STOP

    classes = word_classes(kb)
    texts = [signal_text(item.text) for item in items]
    labels = [item.expect if item.expect in classes else None for item in items]
    folds = [fold_of(item) for item in items]
    weights = [
        EXAMPLE_WEIGHT if "examples" in item.path.parts and item.expect is None else 1.0
        for item in items
    ]
    more_texts, more_labels = reports(classes)
    own_texts, own_labels = entry_texts(kb, classes)
    more_texts += own_texts
    more_labels += own_labels
    key = hashlib.sha256(
        repr(
            (texts, labels, folds, weights, more_texts, more_labels, classes, sorted(_STOP))
            + (w.WORDS_L2, w.ITERATIONS, w.MIN_DF, w.MIN_WEIGHT, w.MAX_TERMS)
        ).encode()
        + (ROOT / "diagnostics" / "words.py").read_bytes()
    ).hexdigest()[:16]

    def model_without(fold: int | None) -> Any:
        path = WORDS_CACHE / f"{key}-{'all' if fold is None else fold}.npz"
        if path.exists():
            return w.read_words(path)
        keep = [i for i, f in enumerate(folds) if f != fold]
        model = w.train_words(
            [texts[i] for i in keep] + more_texts,
            [labels[i] for i in keep] + more_labels,
            classes,
            sample_weights=[weights[i] for i in keep] + [1.0] * len(more_texts),
            stop=_STOP,
        ).pruned()
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        return model

    return model_without(None), {fold: model_without(fold) for fold in range(FOLDS)}


def training_rows(
    kb: Any, use: frozenset[str] | None = None, exclude: tuple[str, ...] = ()
) -> tuple[list[Row], Any]:
    """The ranker's training rows, each with word features from the word model trained
    without its fold (stacking: the ranker learns what the word signal is worth on a paste
    it has not seen), and the word model trained on all of them (what ships)."""
    items = training_items(kb, exclude)
    if use is not None and "words" not in use:
        return collect(items, kb, use, words_for=lambda item: None), None
    full, by_fold = word_models(kb, items)
    return collect(items, kb, use, words_for=lambda item: by_fold[fold_of(item)]), full


_TRACEBACK = re.compile(
    r"^Traceback \(most recent call last\)|^\s*File \"[^\"]+\", line \d+"  # Python
    r"|^\s+at [\w$.<>]+\(|^Stack trace:|^#\d+ \S|^goroutine \d+ \[",  # Java/.NET/Node, PHP, Go
    re.M,
)
_LOG = re.compile(
    r"^\s*(?:\S+\s+\|\s+)?\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d"  # timestamped (docker prefix ok)
    r"|\[[^\]]*(?:INFO|WARNING|ERROR|CRITICAL|DEBUG)/\w+"  # celery's [..: LEVEL/Process]
    r"|^\s*\{\"(?:event|level|msg|message|time)\""  # JSON log lines
    r"|\b(?:\w+\.)*\w+(?:Error|Exception|Forced|Refused|Failed|Disallowed)\b[:('\"]"  # exceptions
    r"|\b[A-Z][A-Z_]{5,} - |\b(?:Fatal error|fatal|error|ERROR|CRITICAL)\b:",  # reply codes, errors
    re.M,
)
_CONFIG = re.compile(
    r"^\s*(?:[A-Za-z_][\w.]*\s*=\s*\S|[A-Za-z_][\w-]*:\s*(?:\S|$)|\w+\.conf\.\w+|"
    r"app\.conf\.update|\[program:|-\s+name:)",
    re.M,
)


def infer_kind(text: str) -> str:
    """log | traceback | config | prose, for files without a `kind:` header.

    In order: a stack frame of any language (Python `File "…", line N`, Java/.NET/
    Node `at x(`, PHP `#0 …`/`Stack trace:`, Go `goroutine N [`) → traceback; else at
    least a third of the non-empty lines look like settings/YAML/INI (`x = y`,
    `key: value`) and outnumber error-looking lines → config; else any timestamped,
    Celery-formatted or JSON log line, exception name, AMQP reply code (`NOT_FOUND - `)
    or `error:` → log; else prose (a description without the software's own words).
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if _TRACEBACK.search(text):
        return "traceback"
    config_lines = sum(bool(_CONFIG.match(line)) for line in lines)
    log_lines = sum(bool(_LOG.search(line)) for line in lines)
    if lines and config_lines * 3 >= len(lines) and config_lines > log_lines:
        return "config"
    if log_lines:
        return "log"
    return "prose"


def prior_index(rows: list[Row]) -> dict[str, int]:
    """slug -> intercept column: every entry that is a candidate or the answer of a row."""
    slugs = {s for row in rows for s in row.signals.candidates}
    slugs |= {row.item.expect for row in rows if row.item.expect}
    return {slug: column for column, slug in enumerate(sorted(slugs))}


def groups_of(
    rows: list[Row], priors: dict[str, int] | None = None
) -> list[tuple[list[list[float]], int]]:
    from diagnostics.learned_rank import design

    out = []
    for row in rows:
        matrix, target, _ = design(row.signals, row.item.expect, priors)
        weight = 1.0 if is_paste(row) else EXAMPLE_WEIGHT
        if row.item.expect is not None and row.item.expect not in row.signals.candidates:
            # the right entry is not a candidate: nothing to learn about which candidate to
            # prefer, and as a target for the null it taught "no entry fits" to mean "the
            # candidates are weak" (thirteenth session: trained without these rows, the
            # null answers `none` less often where an entry was right; docs/ranking.md)
            weight = 0.0
        out.append((matrix, target, weight))
    return out


def cv_probabilities(
    rows: list[Row],
    l2: float,
    unlifted_out: list[list[float]] | None = None,
    prior_l2: float | None = None,
    wordless_out: list[list[float]] | None = None,
) -> list[list[float]]:
    """Out-of-fold probabilities per row (alternatives in design order: candidates, null);
    `unlifted_out` receives the same without the setting signal's part, `wordless_out`
    without the word signal's (the `high` gates). `prior_l2`: fit the entries' intercepts
    too, at that L2 strength (an entry none of the training fold's rows has gets 0)."""
    from diagnostics.learned_rank import fit, predict, unlifted, wordless

    groups = groups_of(rows, prior_index(rows) if prior_l2 is not None else None)
    out: list[list[float]] = [[] for _ in rows]
    for fold in range(FOLDS):
        train = [g for g, r in zip(groups, rows, strict=False) if r.fold != fold]
        weights = fit(train, l2, prior_l2=prior_l2)
        for index, (group, row) in enumerate(zip(groups, rows, strict=False)):
            if row.fold == fold:
                out[index] = predict(weights, group[0])
                if unlifted_out is not None:
                    unlifted_out[index] = predict(unlifted(weights), group[0])
                if wordless_out is not None:
                    wordless_out[index] = predict(wordless(weights), group[0])
    return out


def log_likelihood(rows: list[Row], probabilities: list[list[float]]) -> float:
    import math

    groups = groups_of(rows)
    return sum(math.log(max(p[g[1]], 1e-12)) for g, p in zip(groups, probabilities, strict=False))


@dataclass
class Answer:
    slug: str | None
    confidence: str  # high | possible | none
    probability: float


def answer_from(
    row: Row,
    probabilities: list[float],
    threshold: float,
    min_p: float = 0.02,
    entry_thresholds: dict[str, float] | None = None,
    unlifted: list[float] | None = None,
    wordless: list[float] | None = None,
) -> Answer:
    """The answer the engine would give with these probabilities (mirrors ranking_from);
    `unlifted`, `wordless`: without the setting signal's, the word signal's part."""
    from diagnostics.learned_rank import is_sure

    slugs = list(row.signals.candidates)
    null = probabilities[-1]
    ranked = [(s, p) for s, p in ranked_by(row, probabilities) if p >= min_p]
    if not ranked:
        return Answer(None, "none", null)
    slug, p = ranked[0]
    if null > p and not row.signals.candidates[slug].precise:
        return Answer(None, "none", null)
    needed = max(threshold, (entry_thresholds or {}).get(slug, 0.0))
    without_setting = None if unlifted is None else (lambda: unlifted[slugs.index(slug)])
    first = None if wordless is None else (lambda: first_of(row, wordless) == slug)
    sure = is_sure(row.signals.candidates[slug], p, needed, without_setting, first)
    return Answer(slug, "high" if sure else "possible", p)


def trained_answer(
    row: Row, data: dict[str, Any], probabilities: list[float], gates: tuple[list, list]
) -> Answer:
    """answer_from with a trained model's `high` thresholds (train_ranker's JSON, `data`) and
    the probabilities without the setting's and the word signal's parts (`gates`)."""
    return answer_from(
        row,
        probabilities,
        data["high_threshold"],
        entry_thresholds=data["entry_high_thresholds"],
        unlifted=gates[0],
        wordless=gates[1],
    )


def ranked_by(row: Row, probabilities: list[float]) -> list[tuple[str, float]]:
    """The row's candidates with these probabilities, best first (ties by slug, as
    RankerModel.probabilities orders them); the null alternative left out."""
    pairs = zip(row.signals.candidates, probabilities[:-1], strict=False)
    return sorted(pairs, key=lambda p: (-p[1], p[0]))


def first_of(row: Row, probabilities: list[float]) -> str | None:
    """The first entry by these probabilities."""
    ranked = ranked_by(row, probabilities)
    return ranked[0][0] if ranked else None


def top3_from(row: Row, probabilities: list[float], min_p: float = 0.02) -> list[str]:
    """The first three matches the engine would show (learned_rank.listed)."""
    from diagnostics.learned_rank import listed

    ranked = ranked_by(row, probabilities)
    return [s for s, _ in listed(ranked, row.signals.candidates, min_p)][:3]
