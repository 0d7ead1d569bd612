"""Tiny hostile pastes must not stall the site (issue 8, denial of service).

Each shape below once held a worker for seconds to minutes with a few KB of text:
Python's backtracking `re` was quadratic or cubic on long runs of spaces or
letters, and CPython's parser is quadratic in the parts of a dotted import.

The class is fixed, not the cases: every regular expression that runs on pasted
text is RE2 (`diagnostics.linear_re`), and the paste analysis counts its work
(characters handed to a regex engine plus steps of the line loops, see
`diagnostics.budget`). These tests bound that count: doubling a paste may at most
double the work (plus a margin); quadratic code quadruples it. No wall-clock
bounds: on a loaded 2-core machine those flake, and counting does not.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnostics import budget, linear_re, redact
from diagnostics.parsers import parse_paste, python_settings, regions
from diagnostics.parsers.errors import TooDeep
from diagnostics.redact import find_secrets, redact_text
from diagnostics.rules import run_rules

ROOT = Path(__file__).resolve().parent.parent
PASTE_CODE = sorted(
    [
        *ROOT.glob("diagnostics/parsers/*.py"),
        *ROOT.glob("diagnostics/rules/*.py"),
        ROOT / "diagnostics/redact.py",
        # the ranker's signals read every line of the paste too: a backtracking
        # `[\s*-]*-{3,}` there took minutes on a 1 MB line of dashes
        ROOT / "diagnostics/signals.py",
    ]
)
GROWTH = 2.3  # work(2n) / work(n): at most 2 for linear work, 4 for quadratic


def analysis_work(text: str) -> int:
    """The work of analysing `text`: parsing, rules and redaction (fresh, uncached)."""
    redact._run.cache_clear()
    with budget.counting() as spent:
        parsed = parse_paste(text)
        run_rules(parsed)
        find_secrets(text)
    return spent.work


def redaction_work(text: str) -> int:
    redact._run.cache_clear()
    with budget.counting() as spent:
        redact_text(text)
    return spent.work


def assert_linear(make, work=analysis_work, n: int = 4000) -> None:
    small, large = work(make(n)), work(make(2 * n))
    assert small > 0, "the analysis charged no work: is the counting switched off?"
    assert large <= GROWTH * small, (
        f"work grows faster than the paste: n={n}: {small:,}, 2n: {large:,} ({large / small:.2f}x)"
    )


# -- the class: nothing backtracking runs on pasted text -------------------------------


@pytest.mark.parametrize("path", PASTE_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_paste_code_never_imports_a_backtracking_regex_engine(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {node.module or ""}
        else:
            continue
        assert not names & {"re", "regex", "sre_compile"}, (
            f"{path.name} line {node.lineno} imports {names}: use diagnostics.linear_re (RE2)"
        )


def test_linear_re_refuses_backtracking_only_syntax():
    for pattern in (r"(?<![a-z])x", r"x(?=y)", r"x(?!y)", r"(a)\1", r"(?P<q>')x(?P=q)"):
        with pytest.raises(linear_re.error):
            linear_re.compile(pattern)


def test_module_patterns_are_all_re2():
    import diagnostics.parsers.cmdline
    import diagnostics.parsers.logs
    import diagnostics.parsers.requirements
    import diagnostics.parsers.text
    import diagnostics.parsers.traceback
    import diagnostics.rules.celery_app
    import diagnostics.rules.deployment
    import diagnostics.rules.logs

    modules = [
        redact,
        regions,
        python_settings,
        diagnostics.parsers.cmdline,
        diagnostics.parsers.logs,
        diagnostics.parsers.requirements,
        diagnostics.parsers.text,
        diagnostics.parsers.traceback,
        diagnostics.rules.celery_app,
        diagnostics.rules.deployment,
        diagnostics.rules.logs,
    ]
    import re

    found = 0
    for module in modules:
        for name, value in vars(module).items():
            assert not isinstance(value, re.Pattern), f"{module.__name__}.{name} is `re`"
            found += isinstance(value, linear_re.Pattern)
    assert found >= 40  # the parsers' and redaction's patterns were found at all


# -- the shapes from the issue, each in its own test -----------------------------------


def test_py_start_after_a_key_and_spaces():
    # 2 KB took 25 s: PY_START was cubic in the spaces after `word:` with no `=`
    assert_linear(lambda n: "key:" + " " * n + "x")
    assert regions.PY_START.match("key:" + " " * 3000 + "x") is None


def test_password_repeated():
    assert_linear(lambda n: "password" * n, redaction_work)


def test_api_key_words_repeated():
    assert_linear(lambda n: "x_api_key_" * n, redaction_work)


def test_authorization_and_spaces():
    assert_linear(lambda n: "Authorization: " + " " * n, redaction_work)


def test_env_item_value_with_spaces():
    assert_linear(lambda n: "- name: DB_PASSWORD\n  value: a" + " " * n + "b", redaction_work)
    out = redact_text("- name: DB_PASSWORD\n  value: a" + " " * 9000 + "b")
    assert out.endswith("value: ****") and " b" not in out


def test_secret_data_items_are_visited_once():
    # `- data:` items under a Secret: each masked the rest of the document again
    assert_linear(lambda n: "kind: Secret\n" + "- data:\n" * n, redaction_work, n=2000)


def test_whole_analysis_of_each_shape_is_linear():
    for make in (
        lambda n: "key:" + " " * n + "x",
        lambda n: "password" * n,
        lambda n: "x_api_key_" * n,
        lambda n: "Authorization: " + " " * n,
        lambda n: "- name: DB_PASSWORD\n  value: a" + " " * n + "b",
        lambda n: "import " + ".".join(["a"] * n),
    ):
        assert_linear(make)


def test_celery_prefixed_traceback_shapes_are_linear():
    # a Celery log prefix on every line: runs of frames, of type pieces and `: ` records
    # (joined into one exception line), and frames that never reach an exception line
    prefix = "[2026-11-29 10:22:33,123: WARNING/MainProcess] "
    for unit in (
        f'{prefix}  File "/a.py", line 1, in f\n{prefix}x\n',
        f"{prefix}a\n{prefix}.\n{prefix}: \n",
        f'{prefix}Traceback (most recent call last):\n{prefix}File "/a.py", line 1\n'
        f"{prefix}ValueError: x\n",
    ):
        assert_linear(lambda n, unit=unit: unit * (n // 20), n=2000)
    assert_linear(lambda n: f"{prefix}{'a' * n}\n{prefix}: \n{prefix}{'b' * n}\n", n=2000)


def test_long_dotted_import_is_not_handed_to_the_python_parser():
    # CPython's parser is quadratic in the parts of `import a.a.a...`: 100 KB took 4.6 s
    parsed = parse_paste("import " + ".".join(["a"] * 50_000))
    assert any("dotted name of over 100 parts" in notice for notice in parsed.notices)
    continued = "from celery import Celery\nimport " + " \\\n  .".join(["a"] * 300)
    parsed = parse_paste(continued)
    assert any("dotted name" in notice for notice in parsed.notices)
    ordinary = parse_paste("from kombu.transport.redis import Channel\nbroker_url = 'redis://'")
    assert ordinary.config is not None and not ordinary.notices


DEEP_YAML = "apiVersion: v1\nkind: " + "[" * 600 + "]" * 600 + "\n"


def test_deep_yaml_flow_nesting_is_refused_not_a_recursion_error():
    with pytest.raises(TooDeep, match="nested more than 100 levels"):
        parse_paste(DEEP_YAML)
    # nesting under the cap is still read
    parsed = parse_paste("apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 50 + "]" * 50)
    assert parsed.yaml_docs and not parsed.notices


@pytest.mark.django_db
def test_deep_yaml_is_a_400_on_the_api_and_the_form(client):
    api = client.post(
        "/api/diagnose", json.dumps({"text": DEEP_YAML}), content_type="application/json"
    )
    assert api.status_code == 400 and "nested" in api.json()["error"]
    form = client.post("/diagnose/", {"text": DEEP_YAML})
    assert form.status_code == 400 and b"nested more than 100 levels" in form.content


def test_deep_yaml_exits_2_from_manage_py_diagnose():
    done = subprocess.run(
        [sys.executable, "manage.py", "diagnose", "-"],
        input=DEEP_YAML.encode(),
        capture_output=True,
        cwd=ROOT,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr.decode()[-500:]
    assert b"nested more than 100 levels" in done.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "key:" + " " * 3000 + "x",
        "password" * 8000,
        "x_api_key_" * 6400,
        "Authorization: " + " " * 8000,
        "- name: DB_PASSWORD\n  value: a" + " " * 60_000 + "b",
        "import " + ".".join(["a"] * 50_000),
    ],
    ids=["py-start", "password", "api-key", "authorization", "env-value", "dotted-import"],
)
def test_each_shape_gets_an_answer_from_the_api(client, text):
    response = client.post(
        "/api/diagnose", json.dumps({"text": text}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["confidence"] in ("high", "possible", "none")


# -- a generated family of such shapes -------------------------------------------------

ATOMS = [
    " ",
    "\t",
    "a",
    "_",
    ".",
    ":",
    "=",
    "'",
    '"',
    "@",
    "/",
    "-",
    "[",
    "{",
    "(",
    "\n",
    "\n  ",
    "\n- ",
    "password",
    "x_api_key_",
    "token",
    "key:",
    "name: DB_PASSWORD\n",
    "value: ",
    "Authorization: ",
    "Bearer ",
    "amqp://u:",
    "://",
    "--password ",
    "rabbitmqctl add_user ",
    "redis-cli ",
    " -a ",
    "import a",
    "data:\n",
    "kind: Secret\n",
    "Traceback (most recent call last):\n",
    '  File "',
    "Error: ",
    "eyJ",
    "-----BEGIN RSA PRIVATE KEY-----",
]
PREFIXES = ["", "kind: Secret\n", "apiVersion: v1\nkind: Pod\n", "x = ", "password: |\n"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    prefix=st.sampled_from(PREFIXES),
    unit=st.lists(st.sampled_from(ATOMS), min_size=1, max_size=4).map("".join),
    tail=st.sampled_from(["", "x", "=", "@h", "\n", " b"]),
)
def test_generated_repetitions_take_linear_work(prefix, unit, tail):
    repeat = max(2000 // len(unit), 50)

    def make(n: int) -> str:
        return prefix + unit * n + tail

    assert_linear(make, n=repeat)


def test_counting_sees_a_quadratic_loop():
    """The bound can fail: a loop that rescans the rest of the text per line is caught."""
    pattern = linear_re.compile(r"x")

    def quadratic(text: str) -> int:
        with budget.counting() as spent:
            for start in range(0, len(text), 10):
                pattern.search(text[start:])
        return spent.work

    with pytest.raises(AssertionError, match="work grows faster"):
        assert_linear(lambda n: "y" * n, quadratic, n=2000)


# -- the analysis time budget ----------------------------------------------------------

QOS = (
    "amqp.exceptions.NotImplemented: (540, \"NOT_IMPLEMENTED - queue 'scan.vision' in vhost "
    "'eco2' does not support global qos\")"
)


@pytest.mark.django_db
def test_past_the_budget_the_answer_is_partial_with_a_notice(settings):
    from diagnostics.engine import diagnose

    settings.KB_ANALYSIS_SECONDS = 0  # the deadline has passed at the first checkpoint
    result = diagnose(QOS + "\nCELERY_BROKER_URL = 'amqp://u:secretpw@rabbit//'\n")
    assert any("analysis stopped" in notice for notice in result.notices)
    assert result.matches, "the signature match still answers"
    assert "python-config" not in result.kinds  # that stage never ran
    assert "secretpw" not in json.dumps(result.as_dict())  # redaction is never cut short
    settings.KB_ANALYSIS_SECONDS = 30
    full = diagnose(QOS + "\nCELERY_BROKER_URL = 'amqp://u:secretpw@rabbit//'\n")
    assert not any("analysis stopped" in notice for notice in full.notices)
    assert "python-config" in full.kinds


def test_checkpoints_stop_a_long_loop_and_name_the_stage():
    with budget.analysis(seconds=0) as spent, pytest.raises(budget.BudgetExceeded) as stopped:
        for _ in range(10):
            budget.checkpoint("a loop")
    assert stopped.value.stage == "a loop" and spent.exceeded_at == "a loop"
    with budget.analysis(seconds=60) as spent:
        for _ in range(1000):
            budget.checkpoint("a loop")
    assert spent.work == 1000 and not spent.exceeded_at


def test_redaction_only_charges_and_never_stops():
    with budget.analysis(seconds=0) as spent:
        out = redact_text("password = hunter2\n" + "x" * 1000)
    assert "hunter2" not in out and spent.work > 1000


def test_charging_outside_an_analysis_is_a_no_op():
    assert budget.current() is None
    budget.charge(5)
    budget.checkpoint("nowhere")  # no budget: never raises
    with budget.counting() as spent:
        budget.charge(5)
        linear_re.compile("x").search("abc")
    assert spent.work == 5 + 4 and spent.regex_calls == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "-" * n,  # a line of dashes: `[\s*-]*-{3,}` backtracked for minutes with re
        lambda n: "--- " + " " * n + "x",
        lambda n: "WARNING] " + " " * n + "Connection to broker lost",
        lambda n: "Trying again in " + "9" * n,
    ],
    ids=["dashes", "frame-spaces", "warning-spaces", "retry-digits"],
)
def test_the_rankers_reading_of_a_paste_is_linear(make):
    """The meaning signals read every line (context lines, noise): linear work too."""
    from diagnostics.signals import informative_text

    def reading_work(text: str) -> int:
        parsed = parse_paste(text)
        with budget.counting() as spent:
            informative_text(parsed)
        return spent.work

    assert_linear(make, reading_work)
