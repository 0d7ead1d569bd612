"""Accuracy on the held-out pastes, which no signature was tuned on.

tests/corpus/ scores near 100% by construction (signatures were written with it in
view); these sets give the honest figures. First measurements, before any change
made after seeing them: tests/heldout 53/59 (89.8%), tests/heldout2 38/44 (86.4%,
scored once, at the end of the session that collected it). A `_none` paste is a
hit only when no match at all is `high`. The floors catch
regressions; they are not targets to tune towards (see each set's README).

The promise that matters most is checked on every set: a `high` answer is right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus_loader import load_corpus
from tests.test_corpus_accuracy import describe, is_high, is_hit, per_confidence, top_answer

TESTS = Path(__file__).parent
# Issue 10 (learned ranker retrained on the 440-paste corpus and the entries' examples,
# measured after the context-line, log-prefix and signature work of 2026-11-29):
# heldout 55/59, heldout2 40/44, heldout3 103/124. heldout3 was scored once as a sealed
# set (0.782) and is spent: now a regression floor like the others (its pastes are read
# to find weaknesses, never copied into signatures, examples or the corpus). A floor one
# paste below the figure on each set. With the entries' `symptoms` phrases (prose): heldout
# 55/59, heldout2 42/44, heldout3 107/124.
# heldout4 was scored once as a sealed set (0.785, 2026-11-29) and is spent too. Retrained
# on the 556-paste corpus with every entry's `symptoms`, the diff/compose parsing and the
# frame-prefix change: heldout 56/59, heldout2 42/44, heldout3 106/124, heldout4 106/135.
# heldout5 was scored once as a sealed set at the end of that work (103/134) and is spent;
# with the two-problems gate read off its misses afterwards: 105/134 (a tuning figure).
# Fourth session (compose rules, every entry's phrases revised, prose filler out of BM25,
# error-text variants; retrained: l2 1.0): heldout 55/59, heldout2 42/44, heldout3
# 107/124, heldout4 113/135, heldout5 111/134 (heldout4 and heldout5 are tuning figures).
# Fifth session (config rules, the setting signal, null_config at l2 0.3, error texts,
# prose signatures and phrases from three rounds over the spent sets' misses, retrained):
# heldout 57/59, heldout2 42/44, heldout3 113/124, heldout4 123/135, heldout5 122/134,
# heldout6 116/124 (heldout3..6 were read for that work: tuning figures). One paste below.
FLOORS = {
    "heldout": 58 / 59,  # eighth session: 57/59
    "heldout2": 43 / 44,  # eighth session: 42/44
    # twenty-second session: 122 -> 121 with the entries' own texts in the word model
    "heldout3": 121 / 124,  # eighth session: 113/124
    # tenth session 123/135 and heldout6 115/124 in-sample with `bm25_head_rel` (their
    # out-of-fold figures, and the floors', rose or held in sum: docs/ranking.md)
    "heldout4": 135 / 135,  # eighth session: 124/135
    # sixth session: 119/134 in-sample after the other-clients content (a prose paste about
    # routing admin jobs to a second queue, titled "priority queuing", now answers
    # priority-not-applied; another moved on the retrain); one below
    "heldout5": 132 / 134,  # eighth session: 119/134
    # scored once as a sealed set at the end of the fourth session's work: 96/124
    "heldout6": 124 / 124,  # seventh and eighth session: 117/124 in-sample; tenth 115
    # scored once as a sealed set at the end of the fifth session's work: 102/130; after it,
    # worker-lost-oom no longer takes a native crash (SIGSEGV/SIGABRT): 103/130
    "heldout7": 128 / 130,  # sixth session: 105/130, seventh 106, eighth 107 (in-sample)
    # scored once as a sealed set at the end of the sixth session's work: 100/119; not
    # trained on (bench/qualitylib.py says why); seventh session, after signatures written
    # from its misses (in-sample now): 106/119; eighth session 107/119
    # eleventh session (per-entry intercepts, queue-without-consumer): 109/119
    # thirteenth session (the word signal, diagnostics/words.py): 107/119; the two lost are
    # pastes whose error text the word model reads as "no entry fits" (docs/ranking.md)
    # fourteenth session (no BM25 features): 104/119
    # twenty-first session (heldout18 trains the ranker and the word model): 115/119
    "heldout8": 115 / 119,
    # scored once as a sealed set at the end of the seventh session's work: 83/122; not
    # trained on; after it, missing-worker-dependency reads Python 2's unquoted
    # `No module named librabbitmq` (in-sample now): 84/122; eighth session, after error texts
    # from the software's source (two login failures logged by other clients, a bare
    # WorkerLostError), config rules read from its misses and settings named in sentences:
    # 89/122
    # eleventh session (the floors raised to the measured figures): 95/122
    # thirteenth session (the word signal): 92/122
    # fourteenth session (no BM25 features): 92/122
    "heldout9": 119 / 122,
    # scored once as a sealed set at the end of the eighth session's work: 100/129; not
    # trained on
    # eleventh session: 104/129
    # thirteenth session (the word signal): 107/129
    # fourteenth session (no BM25 features): 107/129
    "heldout10": 125 / 129,
    # scored once as a sealed set at the end of the tenth session's work: 108/134; not
    # trained on
    # eleventh session: 106/134 after the entry queue-without-consumer (a 55th entry moves
    # every entry's BM25 statistics and the retrained weights; none of the two lost pastes is
    # answered with the new entry)
    # thirteenth session (the word signal): 112/134
    # fourteenth session (no BM25 features): 113/134
    "heldout11": 133 / 134,
    # scored once as a sealed set at the end of the eleventh session's work: 93/126; not
    # trained on
    # after it, signatures for five of its misses' error texts (in-sample since): 97/126
    # thirteenth session (the word signal): 101/126
    # fourteenth session (no BM25 features): 100/126
    "heldout12": 124 / 126,
    # scored once as a sealed set at the end of the thirteenth session's work (the word
    # signal, a336764): 74/120 (the twelfth session's engine: 69/120); not trained on.
    # The engine shipped after it (a looser word gate, the null trained on `_none` only): 74
    # fourteenth session (no BM25 features, a second batch of users' reports): 75/120
    # twenty-second session (the entries' own texts in the word model): 119 -> 118
    "heldout13": 118 / 120,
    # scored once as a sealed set at the end of the fourteenth session's work (BM25 out of the
    # ranker, b5a77ea): 69/121 (the thirteenth session's engine: 68/121); not trained on
    # fifteenth session (heldout8..11 train the ranker and the word model, sentence-only
    # evidence is never `high`): heldout12 100 -> 108, heldout13 75 -> 77, heldout14 69 -> 72;
    # heldout3..11 are in-sample since (the word model has read them), so near 100%
    "heldout14": 120 / 121,
    # scored once as a sealed set at the end of the fifteenth session's work (4d5e65b): 76/121
    # (the fourteenth session's engine: 78/121); not trained on. Sixteenth session (heldout12..14
    # train the ranker and the word model; other libraries' texts in three entries): 85/121,
    # and heldout12..14 are in-sample since (near 100%); heldout9 121 -> 120 in the retrain;
    # twenty-second session (the entries' own texts in the word model): 117 -> 118
    "heldout15": 118 / 121,
    # scored once as a sealed set at the end of the sixteenth session's work (fcd1743): 77/110
    # (the fifteenth session's engine: 72/110). Seventeenth session: heldout15..16 train the
    # ranker and the word model (in-sample since, near 100%); before that, with heldout15 in
    # training and other libraries' texts for unregistered-task: 82/110. The retrain (l2 3.0,
    # EXAMPLE_WEIGHT 8) moves heldout2, heldout6, heldout9, heldout10 and heldout11 down by one
    # paste each (in-sample sets; docs/ranking.md, "Seventeenth session")
    "heldout16": 107 / 110,
    # scored once as a sealed set at the end of the seventeenth session's work (d42eef7):
    # 85/114 (the sixteenth session's engine: see docs/ranking.md); not trained on. After it,
    # broker-tls-errors reads Java's PKIX failure (in-sample for that content): 86/114.
    # Eighteenth session: heldout17 trains the ranker and the word model (in-sample since),
    # with StackExchange.Redis's and CAP's words in two entries: 112/114; the retrain
    # (threshold 0.9952) moves heldout10 down by one paste and heldout16 up by one
    "heldout17": 112 / 114,
    # scored once as a sealed set at the start of the twentieth session (130 pastes, on the
    # eighteenth session's engine, 1f37692): 87/130. Twenty-first session: heldout18 trains
    # the ranker and the word model (in-sample since; its out-of-fold figure is 0.685,
    # bench/cv_report.py), with the counter-examples weighted in the word model: 125/130
    "heldout18": 125 / 130,
    # scored once as a sealed set at the start of the twenty-fourth session (125 pastes, on
    # the twenty-second session's engine, ae3b5a2): 80/125; not trained on
    # (bench/qualitylib.FLOOR_SETS). Then MySQL's missing-table error (server error 1146)
    # weighs like PostgreSQL's: 83/125 (the three it moved are why it was looked at)
    "heldout19": 83 / 125,
}
# Share of `high` answers measured with the ranker trained on the 556-paste corpus at
# 99.5% precision (threshold 0.9954): corpus 247/556, heldout 35/59, heldout2 22/44,
# heldout3 39/124, heldout4 34/135, heldout5 39/134 (with the two-problems gate, which
# also took one corpus answer to `possible`: 246/556); one paste of slack on the held-out
# sets. (On the 523-paste corpus they were 255, 37, 23, 37 and 41: the 33 added pastes,
# mostly prose of thin entries, raised the threshold and took a few `high` answers to
# `possible`.)
# Fourth session (threshold 0.9933 at l2 1.0): corpus 253/556, heldout 33/59, heldout2
# 22/44, heldout3 38/124, heldout4 38/135, heldout5 41/134. heldout and heldout3 lose two and
# one `high` answers to the retrain that gained heldout4 and heldout5 their top-1 (l2 0.3
# kept them, at 0.800 / 0.806 top-1 instead of 0.837 / 0.828: docs/ranking.md).
# Fifth session (threshold 0.9905 at l2 0.3): corpus 291/556, heldout 35/59, heldout2 24/44,
# heldout3 50/124, heldout4 51/135, heldout5 54/134, heldout6 43/124; one below on each set.
# Sixth session: the ranker trains on the corpus and the spent sets heldout3..7 (1,281
# pastes with the 78 corpus pastes from other clients and languages, 127 of them `_none`);
# the threshold is the lowest at which the out-of-fold answers the gates let be `high` are
# 99.5% right (0.9900): corpus 315/634, heldout 34/59, heldout2 22/44, heldout3 43/124,
# heldout4 41/135, heldout5 43/134, heldout6 37/124, heldout7 37/130, every one right
# (heldout3..7 are in-sample now: regression floors, not measurements; their out-of-fold
# figures are in docs/ranking.md). One below on each set.
# Seventh session: the threshold is chosen over the real pastes only (the entries' examples,
# written to match, had lowered it): 0.9970, fewer `high` answers and none wrong on heldout8,
# which the ranker never trained on (36 of 37 before that one was listed below). At the
# measured figures, after the seventh session's signatures and config rules (l2 0.1,
# threshold 0.9967).
# Tenth session: the head-only BM25 feature (`bm25_head_rel`, l2 0.3, threshold 0.9967) moves
# probability from a lone signature hit towards entries whose titles and phrases carry the
# paste's words: more right at top-1 and top-3, fewer `high` answers (heldout3 27 -> 26,
# heldout4 26 -> 24, heldout5 28 -> 26, heldout8 39 -> 36, heldout10 30 -> 27), no new wrong
# one (heldout10's listed one is no longer `high`); the floors are the measured figures.
# Thirteenth session: the word signal (diagnostics/words.py; threshold 0.9924 at l2 1.0, no
# entry intercepts; words may make the evidence's answer surer but never choose the `high`
# one; the null trained on "no entry fits" only): more `high` answers on most sets (corpus
# 205 -> 304, heldout3 26 -> 43, heldout8 36 -> 45), two more wrong near-misses on the floors
# (listed below); the floors are the measured figures.
# Fourteenth session: without BM25's features (threshold 0.9940) `high` moves on most sets,
# mostly down (heldout4 43 -> 36, heldout9 30 -> 26), up on heldout2, heldout5 and heldout13;
# one more wrong near-miss on heldout13 (listed below); the floors are the measured figures.
# Fifteenth session: heldout8..11 train the ranker (threshold 0.9940 again, out of 1,790
# pastes) and an answer whose evidence is only errors quoted in someone's sentences is never
# `high` (learned_rank.is_sure): fewer `high` answers on every set (corpus 291 -> 221,
# heldout12..14 76 -> 54) and none wrong on any set, the listed near-misses included;
# the floors are the measured figures.
# Sixteenth session: heldout12..14 train the ranker too (threshold 0.9930, out of 2,157
# pastes): `high` a little lower on most sets (corpus 221 -> 216), higher on heldout12 and
# heldout14 (in-sample now), none wrong on any set; the floors are the measured figures.
# Seventeenth session: heldout15..16 (231 pastes, 28 of them `_none`) train the ranker too;
# the threshold rises to 0.9948 (l2 3.0): fewer `high` answers on most sets (corpus 216 ->
# 208, heldout3 30 -> 26, heldout5 36 -> 32), none wrong on any set; the floors are the
# measured figures. Eighteenth session: heldout17 (114 pastes, 16 `_none`) trains too; the
# threshold rises to 0.9952: corpus 208 -> 199, heldout4 26 -> 22, heldout5 32 -> 28,
# heldout9 25 -> 22 and one or two fewer on most sets, none wrong on any set.
# Twenty-first session: heldout18 (130 pastes, 18 `_none`) trains too, the counter-examples
# weighted in the word model (threshold 0.9954): corpus 199 -> 197, heldout6 24 -> 22,
# heldout10 and heldout13 one fewer, heldout, heldout3, heldout4, heldout9 and heldout11 one
# more, heldout18 4 -> 5 (in-sample now), none wrong on any set. Twenty-second session: the
# entries' own texts in the word model (threshold 0.9952): heldout3 25 -> 24, heldout9
# 23 -> 25, heldout17 9 -> 10, the rest unchanged, none wrong on any set. Twenty-fourth
# session: MySQL's missing-table error weighs like PostgreSQL's (threshold 0.9952): corpus
# 197 -> 196, the rest unchanged, none wrong on any set.
MIN_HIGH_SHARE = {
    "corpus": 196 / 639,
    "heldout": 26 / 59,
    "heldout2": 18 / 44,  # eleventh session: 18 -> 14 with the per-entry intercepts
    "heldout3": 24 / 124,
    "heldout4": 23 / 135,
    "heldout5": 28 / 134,
    "heldout6": 22 / 124,  # sealed run: 36 `high`, 35 right
    "heldout7": 23 / 130,  # sealed run: 48 `high`, 44 right; eighth session 24 (l2 0.3)
    # ninth session 39: a bare certificate failure (no broker on its line) is no longer
    # `high` for broker-tls-errors (its generic signature 1.0 -> 0.8)
    "heldout8": 34 / 119,  # sealed run: 51 `high`, 48 right; eighth session 40 (l2 0.3)
    # sealed run: 26 `high`, 25 right; eleventh session 25 (intercepts); twenty-seventh 24 in
    # the retrain on that session's corrected entries (out of fold; every other set held)
    "heldout9": 24 / 122,
    "heldout10": 21 / 129,  # sealed run: 30 `high`, 29 right; tenth session 27, all right
    "heldout11": 26 / 134,  # sealed run (tenth session): 27 `high`, all right
    "heldout12": 23 / 126,  # sealed run (eleventh session): 26 `high`, 25 right
    "heldout13": 15 / 120,  # sealed run (thirteenth session, a336764): 17 `high`, all right
    "heldout14": 18 / 121,  # sealed run (fourteenth session, b5a77ea): 22 `high`, 20 right
    "heldout15": 22 / 121,  # sealed run (fifteenth session, 4d5e65b): 21 `high`, all right
    "heldout16": 13 / 110,  # sealed run (sixteenth session, fcd1743): 9 `high`, all right
    "heldout17": 10 / 114,  # sealed run (seventeenth session, d42eef7): 10 `high`, all right
    # sealed run (twentieth session, on 1f37692's engine): 4 `high`, all right
    "heldout18": 5 / 130,
    "heldout19": 5 / 125,  # sealed run (twenty-fourth session, on ae3b5a2's engine): 5, all right
}
# The one wrong `high` of heldout4's sealed run, kept visible rather than dropped: a paste
# about RabbitMQ 3.0 moving mirroring from the `x-ha-policy` argument to policies, answered
# mirrored-queues-removed (the 4.0 removal) at 0.998; nothing in it names a version.
# heldout5's sealed run had three, each a paste with two problems where the engine named the
# one in the software's own words or a rule finding and the thread is about the other
# (docs/ranking.md). The gate that followed (an entry found by a warning line or a config
# rule is not `high` beside an exception it does not explain) took two of them to
# `possible`; the third, a prose paste quoting RabbitMQ's own deprecation sentence, stays.
# A new wrong `high` on any set still fails.
KNOWN_WRONG_HIGH = {
    "heldout4": {"_none/puppet-rabbitmq-x-ha-policy-no-effect.txt"},
    "heldout5": {
        "queue-arguments-mismatch/rabbitmq-8076-redeclare-classic-after-qq-migration.txt",
    },
    # heldout7's sealed run (fifth session) had four: three near-misses answered with the
    # entry whose exact text they carry (a migrate failing in a ready() query, a client that
    # does not url-decode the password it sends, both `_none`; a SIGSEGV in a forked child,
    # fixed after the run: worker-lost-oom takes only signal 9/15 and exit codes now), and
    # a Windows preload question answered windows-prefork-unpack (labelled
    # prefork-cache-not-shared).
    "heldout7": {
        "_none/dcb-750-migrate-fails-ready-query.txt",
        "_none/rebus-rabbitmq-urlencoded-password-not-decoded.txt",
        "prefork-cache-not-shared/celery-2386-windows-preload.txt",
    },
    # heldout8's sealed run (sixth session) had three: `cannot import name Celery` from a
    # Python-3-only project run under Python 2 (`_none`) answered package-init-reexport; a
    # password with special characters that sent the client to localhost (labelled
    # broker-access-refused, its collector noted broker-connection-refused as defensible)
    # answered broker-connection-refused; tasks that all stop, with inspect getting no reply,
    # whose cause was RabbitMQ's disk alarm, answered inspect-no-reply.
    "heldout8": {
        "_none/wechat-admin-10-cannot-import-celery-python2-zh.txt",
        "broker-access-refused/fastapi-best-architecture-967-special-chars-password-localhost-zh.txt",
        "broker-resource-alarm/celery-5088-tasks-stop-disk-free-limit.txt",
    },
    # heldout9's sealed run (seventh session) had one: a prose report of the worker's
    # superuser warning whose thread is about an unknown gid (`_none`), answered
    # worker-superuser-warning at 0.998 (the warning's exact text).
    "heldout9": {"_none/celery-8913-superuser-warning-unknown-gid.txt"},
    # heldout10's sealed run (eighth session) had one: a Celery 2.3 worker killed by a 404
    # `NOT_FOUND - no exchange 'reply.celeryd.pidbox'`, answered queue-not-found at `high`;
    # its first label was queue-not-found, moved to `_none` before the run by the blind
    # second labelling (the thread's cause is a Celery bug fixed by a patch).
    "heldout10": {"_none/hustoknow-celery23-no-exchange-reply-celeryd-pidbox-worker-dies.txt"},
    # heldout12's sealed run (eleventh session) had one: lettuce 131, a Java client that sent
    # the user part of a Heroku Redis URL as the password (a client bug fixed in lettuce,
    # `_none`), answered broker-access-refused at `high` on Redis's own `ERR invalid
    # password`: like heldout7's rebus paste, a client bug behind the entry's exact error.
    # Since the thirteenth session's word signal a second one: pyspider
    # 356, a client that did not parse the password out of its Redis URL (fixed in pyspider
    # 0.3.6, `_none`), answered broker-access-refused on Redis's `NOAUTH` text: the same case.
    "heldout12": {
        "_none/lettuce-131-heroku-uri-username-invalid-password.txt",
        "_none/pyspider-356-noauth-password-in-url-fixed-0-3-6.txt",
    },
    # heldout11's sealed run had none. Since the eleventh session's retrain with the entry
    # queue-without-consumer (the `high` threshold 0.9962 -> 0.9940) one near-miss is `high`:
    # a Quarkus app that runs out of memory after reconnecting from a planned
    # CONNECTION_FORCED (a client leak, `_none`), answered connection-forced on the broker's
    # exact text: the two-problems case the gate cannot see (no exception left unexplained).
    # Since the thirteenth session's word signal another one is `high` too: celery 5075, a
    # worker refusing a pickled message with ContentDisallowed whose thread is about a
    # second, older worker's gossip sending it (`_none`), answered serialization-error on
    # Kombu's exact text: a cause behind the entry's own error again.
    "heldout11": {
        "_none/quarkus-37960-oom-after-connection-forced-reconnect.txt",
        "_none/celery-5075-pickle-accept-content-second-worker-gossip-contentdisallowed.txt",
    },
    # heldout13's sealed run had none. Since the fourteenth session (no BM25 features) one
    # near-miss is `high`: airflow 26542, a worker that logs Redis's `Error 111 ... Connection
    # refused` while Redis restarts, reconnects and then never consumes again (a kombu
    # reconnect bug fixed upstream, `_none`), answered broker-connection-refused on the
    # refusal it really logged: a cause behind the entry's own error again.
    "heldout13": {"_none/airflow-26542-worker-catatonic-after-redis-restart.txt"},
    # heldout14's sealed run (fourteenth session) had two, both `_none` near-misses answered
    # with the entry whose exact error text they carry: an OpenCTI connector refused on
    # localhost because its API URL pointed at the wrong host inside Docker (a connector
    # setting, not a broker), answered broker-connection-refused; a RabbitMQ bundle's
    # ACCESS_REFUSED whose cause was a cloud security group (no login fault), answered
    # broker-access-refused.
    "heldout14": {
        "_none/opencti-connectors-3337-api-localhost-refused.txt",
        "_none/rabbitmqbundle-305-access-refused-security-group.txt",
    },
    # heldout6's sealed run had one: a macOS `spawn` start method failing with the unpack
    # error windows-prefork-unpack explained for Windows only (labelled `_none`). The entry
    # now covers spawned children on any platform (reproduced with Celery 5.6.2 and a forced
    # spawn), and the paste is relabelled to it (tests/heldout6/README.md).
}
ALL_SETS = ["corpus", *FLOORS]


def run_set(name: str, blocker) -> list[tuple]:
    with blocker.unblock():
        return [(item, *top_answer(item.text)) for item in load_corpus(TESTS / name)]


@pytest.fixture(scope="module")
def answers(django_db_blocker):
    return {name: run_set(name, django_db_blocker) for name in ALL_SETS}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_heldout_top1_accuracy(answers, name, capsys):
    rows = answers[name]
    hits = [row for row in rows if is_hit(*row)]
    ratio = len(hits) / len(rows)
    with capsys.disabled():
        print(f"\n{name} top-1 accuracy: {len(hits)}/{len(rows)} = {ratio:.1%}")
        print(f"by confidence: {per_confidence(rows)}")
        for row in rows:
            if not is_hit(*row):
                print(describe(*row))
    assert len(rows) >= 40
    assert ratio >= FLOORS[name]


@pytest.mark.parametrize("name", ALL_SETS)
def test_every_high_answer_is_right(answers, name, capsys):
    high = [row for row in answers[name] if is_high(*row[2:])]
    known = KNOWN_WRONG_HIGH.get(name, set())
    wrong = [
        describe(*row)
        for row in high
        if row[0].expect != row[1] and f"{row[0].path.parent.name}/{row[0].path.name}" not in known
    ]
    with capsys.disabled():
        print(f"\n{name}: {len(high)} high answers, {len(high) - len(wrong)} right")
    assert wrong == []
    # not vacuous: making `high` unreachable must fail this test
    # a share against a share (234 >= 234/440 * 440 fails in floating point)
    assert len(high) / len(answers[name]) >= MIN_HIGH_SHARE[name], f"only {len(high)} high"
