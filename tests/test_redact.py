"""Secrets out of pastes: URLs, keys, headers, tokens, Kubernetes Secret data."""

from __future__ import annotations

import logging
import sys

import pytest

from diagnostics.redact import RedactingFilter, find_secrets, mask_url, redact_text, scrub

CASES = [
    ("amqp://svc:hunter2@rabbit:5672/eco2", "hunter2"),
    ("redis://:s3cretpw@redis:6379/0", "s3cretpw"),
    ("postgres://app:pgpass99@db/app", "pgpass99"),
    ("DB_PASSWORD = 'letmein99'", "letmein99"),
    ("password: yamlpass77", "yamlpass77"),
    ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
    ("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "dozjg"),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
]


@pytest.mark.parametrize(("text", "secret"), CASES)
def test_secret_is_masked(text, secret):
    assert secret not in redact_text(text)


def test_kubernetes_secret_data_is_masked_and_shape_kept():
    text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  DB_PASS: aHVudGVyMg==\n"
    out = redact_text(text)
    assert "aHVudGVyMg==" not in out and "DB_PASS" in out and "name: s" in out


def test_user_host_and_failover_lists_are_kept():
    masked = mask_url("amqp://u:p1@a:5672//;amqp://u:p2@b:5672//")
    assert masked == "amqp://u:****@a:5672//;amqp://u:****@b:5672//"


# -- issue 8: shapes that leaked, one secret per case, and the families they stand for --
# Each secret is distinct and appears once, so "not in the output" means it was masked.
LEAKED_IN_ISSUE_8 = [
    ("rabbitmqctl add_user svc Pw4dd-user", "Pw4dd-user"),
    ("rabbitmqctl change_password u Pw4chg-pass", "Pw4chg-pass"),
    ("rabbitmqadmin -H rabbit -u admin -p Pw4admin list queues", "Pw4admin"),
    ("rabbitmqadmin --username=admin --password Pw4admin2 list queues", "Pw4admin2"),
    ("docker run -d -e RABBITMQ_DEFAULT_PASS=Pw4docker rabbitmq:3.13", "Pw4docker"),
    ("celery -A proj flower --basic_auth=admin:Pw4flower", "Pw4flower"),
    (
        "pip install git+https://ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789@github.com/o/r.git",
        "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    ),
    (
        "        - name: RABBITMQ_DEFAULT_PASS\n          value: Pw4k8senv\n",
        "Pw4k8senv",
    ),
    ("DB_PASS='Pw4dotenv'", "Pw4dotenv"),
    ("RABBIT_PASS=Pw4rabbitenv", "Pw4rabbitenv"),
    (
        "posting to https://hooks.slack.com/services/T0123ABCD/B0456EFGH/Xk9Pw4slackhookZq",
        "Xk9Pw4slackhookZq",
    ),
    (
        "SENTRY_DSN: https://4f2d8a0c9b1e4e7a8d3c2b1a0f9e8d7c@o123.ingest.sentry.io/456",
        "4f2d8a0c9b1e4e7a8d3c2b1a0f9e8d7c",
    ),
    (
        "sentry_sdk.init(dsn='https://4f2d8a0c9b1e4e7a8d3c2b1a0f9e8d7d@o1.ingest.sentry.io/2')",
        "4f2d8a0c9b1e4e7a8d3c2b1a0f9e8d7d",
    ),
]
FAMILIES = [
    # positional and short-flag passwords of the ecosystem's tools
    ("rabbitmqctl authenticate_user svc Pw4auth-user", "Pw4auth-user"),
    ("rabbitmqctl -n rabbit@node1 add_user 'svc' 'Pw4 quoted'", "Pw4 quoted"),
    ("rabbitmqadmin -p=Pw4admin3 declare queue name=q", "Pw4admin3"),
    ("redis-cli -h redis -a Pw4rediscli ping", "Pw4rediscli"),
    ("redis-cli --user default --pass Pw4redispass ping", "Pw4redispass"),
    ("mysql -h db -u root -pPw4mysql app", "Pw4mysql"),
    ("psql 'host=db user=app password=Pw4psql dbname=app'", "Pw4psql"),
    ("PGPASSWORD=Pw4pgenv psql -h db -U app", "Pw4pgenv"),
    ("docker login -u ci -p Pw4dockerlogin registry.example.com", "Pw4dockerlogin"),
    (
        "kubectl create secret generic rmq --from-literal=RABBITMQ_PASS=Pw4kubectl",
        "Pw4kubectl",
    ),
    ("kubectl create secret docker-registry r --docker-password=Pw4kreg", "Pw4kreg"),
    ("curl -u guest:Pw4curl http://rabbit:15672/api/queues", "Pw4curl"),
    ("celery flower --basic-auth=u1:Pw4flower1,u2:Pw4flower2", "Pw4flower2"),
    ("FLOWER_BASIC_AUTH=admin:Pw4flowerenv", "Pw4flowerenv"),
    ("celery worker --broker-password Pw4celeryflag", "Pw4celeryflag"),
    # env names ending in PASS / PWD / PASSWORD / TOKEN / KEY / SECRET, any prefix
    ("export SMTP_PWD=Pw4pwd", "Pw4pwd"),
    ("REDIS_PASSWORD: Pw4redisyaml", "Pw4redisyaml"),
    ("GITLAB_TOKEN=Pw4gltoken", "Pw4gltoken"),
    ("STRIPE_KEY=Pw4stripekey", "Pw4stripekey"),
    ("MAILGUN_SECRET = 'Pw4mailgun'", "Pw4mailgun"),
    ('{"AMQP_PASS": "Pw4json"}', "Pw4json"),
    ("environment:\n  - BROKER_PASS=Pw4compose\n", "Pw4compose"),
    ('os.getenv("BROKER_PASS", "Pw4getenv")', "Pw4getenv"),
    # tokens in URL paths
    (
        "https://discord.com/api/webhooks/123456789/Pw4discordTokenAbc-def",
        "Pw4discordTokenAbc-def",
    ),
    ("https://api.telegram.org/bot123456:Pw4TelegramToken_abcdef/sendMessage", "Pw4Telegram"),
    ("GET https://api.example.com/v1/token/Pw4pathtoken99 HTTP/1.1", "Pw4pathtoken99"),
    # well-known token formats, standing alone
    (
        "using gho_16C7e42F292c6912E7710c838347Ae178B4a now",
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    ),
    ("pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv", "github_pat_11ABCDEFG"),
    ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012"),
    ("google AIzaSyA-Pw4googleKey0123456789abcdefghi ok", "AIzaSyA-Pw4googleKey"),
    ("charge with sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("gitlab glpat-Pw4gitlabToken12345678", "glpat-Pw4gitlabToken12345678"),
    ("npm npm_Pw4npmtoken0123456789abcdefghijklmnop", "npm_Pw4npmtoken"),
]


@pytest.mark.parametrize(("text", "secret"), LEAKED_IN_ISSUE_8 + FAMILIES)
def test_issue_8_shapes_and_families_are_masked(text, secret):
    out = redact_text(text)
    assert secret not in out and "****" in out, out


def test_names_that_look_like_secret_keys_are_kept():
    # routing keys are diagnosis facts, not secrets; user names stay for the diagnosis
    for text in (
        "CELERY_DEFAULT_ROUTING_KEY = 'scan.vision'",
        "task_default_routing_key='scan.vision'",
        "rabbitmqctl add_user svc Pw4x",
        "secretKeyRef:\n  name: worker-secrets\n",
    ):
        out = redact_text(text)
        assert "scan.vision" in out or "svc" in out or "worker-secrets" in out, out


# -- each pass guarded: a shape that only that pass catches ------------------------------
# The generic `key = value` passes hid these gaps: no key here names a secret.
ONLY_ONE_PASS = {
    "aws key id": ("boto: credentials AKIAZXCVBNMASDFGHJKL rejected", "AKIAZXCVBNMASDFGHJKL"),
    "jwt": (
        "invalid signature eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX3B3 seen",
        "c2lnbmF0dXJlX3B3",
    ),
    "bearer": ("sent header X-Upstream: Bearer Pw4bearerOnly99 to api", "Pw4bearerOnly99"),
    "authorization basic": ("Authorization: Basic cHc0YmFzaWNPbmx5", "cHc0YmFzaWNPbmx5"),
    "password flag": ("rabbitmq-check --password Pw4flagOnly --host x", "Pw4flagOnly"),
    "pem private key": (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAPw4pemOnly\nmore+lines/here==\n"
        "-----END RSA PRIVATE KEY-----",
        "MIIEpAIBAAKCAQEAPw4pemOnly",
    ),
    "url password": ("connect amqp://svc:Pw4urlOnly@rabbit//", "Pw4urlOnly"),
    "token as url user": ("https://Pw4urlUserToken0123456789@git.example.com/r", "Pw4urlUser"),
    "known token": ("ghp_Pw4knownOnly0123456789abcdefghijklmno", "ghp_Pw4knownOnly"),
    "aws secret": (  # wrapped after the `=`: no key = value line holds it
        "aws_secret_access_key =\n  wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG",
    ),
    "url path token": (
        "hook https://hooks.slack.com/services/T0123ABCD/B0456EFGH/Pw4slackOnly",
        "Pw4slack",
    ),
    "cli password": ("rabbitmqctl add_user svc Pw4cliOnly", "Pw4cliOnly"),
    "redis auth": ("127.0.0.1:6379> AUTH default Pw4redisAuthOnly", "Pw4redisAuthOnly"),
    "xml secret": ("<spring:secret>Pw4xmlOnly</spring:secret>", "Pw4xmlOnly"),
    "cookie": ("Cookie: sessionid=Pw4cookieOnly; theme=dark", "Pw4cookieOnly"),
    "env default": ('os.environ.get("DB_PASSWORD", "Pw4envDefaultOnly")', "Pw4envDefault"),
    "key line": ("DB_PASSWORD=plain Pw4keyLineOnly", "Pw4keyLineOnly"),
    "key value": ("connect(password='Pw4keyValueOnly', host=x)", "Pw4keyValueOnly"),
    "key block": ("password: |\n  Pw4keyBlockOnly\n", "Pw4keyBlockOnly"),
    "env pair": ("- name: DB_PASSWORD\n  value: Pw4envPairOnly\n", "Pw4envPairOnly"),
    "secret data": (
        "apiVersion: v1\nkind: Secret\ndata:\n  blob: UHc0ZGF0YU9ubHk=\n",
        "UHc0ZGF0YU9ubHk=",
    ),
}


@pytest.mark.parametrize("name", ONLY_ONE_PASS)
def test_each_pass_catches_its_own_shape(name):
    text, secret = ONLY_ONE_PASS[name]
    assert secret not in redact_text(text)


def test_authorization_header_keeps_the_scheme_and_masks_the_credentials():
    assert redact_text("Authorization: Basic cHc0YmFzaWNPbmx5") == "Authorization: Basic ****"
    assert redact_text("Authorization: Bearer abcdefghijklmnop") == "Authorization: Bearer ****"


def test_only_the_secret_document_of_a_multi_document_paste_is_masked():
    text = (
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  queue: scan.vision\n---\n"
        "apiVersion: v1\nkind: Secret\ndata:\n  pw: c2VjcmV0cHc=\n"
    )
    out = redact_text(text)
    assert "queue: scan.vision" in out and "c2VjcmV0cHc=" not in out and "pw: ****" in out


def test_secret_data_block_scalars_keep_their_keys():
    text = (
        "apiVersion: v1\nkind: Secret\ndata:\n  tls.key: |\n    LS0tLS1CRUdJTiBQUklWQVRF\n"
        "    S0VZLS0tLS0K\n  ca.crt: >-\n    Q0FDRVJU\n"
    )
    out = redact_text(text)
    assert "  tls.key: |\n" in out and "  ca.crt: >-\n" in out
    assert "LS0tLS1CRUdJTiBQUklWQVRF" not in out and "Q0FDRVJU" not in out


# -- exact outputs: the shape kept around each mask ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password = 'hunter22'", "password = '****'"),
        ('password = "hunter22"', 'password = "****"'),
        ("password: hunter22", "password: ****"),
        ("password: ****", "password: ****"),
        ("password = '****'", "password = '****'"),
        ("- name: DB_PASSWORD\n  value: s3cretv, ", "- name: DB_PASSWORD\n  value: ****, "),
        ("<password>hunter22</password>", "<password>****</password>"),
        ("amqp://u:p4ss@h//", "amqp://u:****@h//"),
        # block values: every line masked (the indicator too), comments and blanks kept
        ("password: |\n  line1\n\n  line2\nnext: 1", "password: ****\n  ****\n\n  ****\nnext: 1"),
        ("password:\n  # note\n  - item1\n", "password:\n  # note\n  ****\n"),
        ("token:\n- item1\n- item2\nafter: x", "token:\n****\n****\nafter: x"),
        ("secretRef:\n  name: worker-secrets", "secretRef:\n  name: worker-secrets"),
    ],
)
def test_exact_redaction(text, expected):
    assert redact_text(text) == expected


def test_env_items_pair_name_and_value_within_one_item_only():
    text = (
        "env:\n"
        "  - name: LOG_LEVEL\n"
        "    value: debug\n"
        "  - name: DB_PASSWORD\n"
        "    value: s3cretEnv\n"
        "  - name: QUEUE\n"
        "    value: scan.vision\n"
    )
    out = redact_text(text)
    assert "value: debug" in out and "value: scan.vision" in out
    assert "s3cretEnv" not in out and "    value: ****" in out
    # the value above the name (same item), a deeper key in between, not the next item's
    above = (
        "  - value: upFirst1\n    other:\n      deep: 1\n    name: API_TOKEN\n  - value: keep.me\n"
    )
    out = redact_text(above)
    assert "upFirst1" not in out and "keep.me" in out
    # an item whose `name:` is far below its `- ` is still one item
    far = "  - value: farAway9\n" + "    k: v\n" * 8 + "    name: API_TOKEN\n"
    assert "farAway9" not in redact_text(far)
    outside = "value: notMine77\nname: API_TOKEN\n"  # a bare mapping: the value is its key
    assert "notMine77" not in redact_text(outside)


def test_env_item_value_beyond_the_item_window_is_not_touched():
    text = "- name: DB_PASSWORD\n" + "  k: v\n" * 12 + "  value: tooFar12\n"
    assert "tooFar12" in redact_text(text)


def test_find_secrets_returns_masked_strings_and_their_lines():
    paste = "password: |\n  firstLine1\n  secondLn2\nDB_PASSWORD = 'abc'\ntoken = xyzw1\n"
    secrets = find_secrets(paste)
    assert {"firstLine1", "secondLn2", "xyzw1"} <= secrets
    assert "abc" not in secrets  # under MIN_SCRUB_CHARS: too short to scrub everywhere
    assert all(secret == secret.strip() for secret in secrets)
    pem = "-----BEGIN PRIVATE KEY-----\nAAAAbody1\nBBBBbody2\n-----END PRIVATE KEY-----"
    assert {"AAAAbody1", "BBBBbody2"} <= find_secrets(pem)


def test_scrub_masks_longest_secrets_first_and_walks_nested_values():
    secrets = {"abcd", "abcdef12"}
    value = {
        "text": "x abcdef12 y",
        "list": ["abcd", ("q", "abcdef12z")],
        "n": 3,
        "fix": "<b>abcd</b>",
    }
    out = scrub(value, secrets)
    assert out == {
        "text": "x **** y",
        "list": ["****", ["q", "****z"]],
        "n": 3,
        "fix": "<b>****</b>",  # no key is exempt: no HTML is stored any more
    }
    assert scrub("password = hunter22", set()) == "password = ****"


def test_logging_filter_redacts_message_arguments_and_stack():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "connect %s", ("amqp://u:logsecret@h//",), None
    )
    record.stack_info = "stack: password = stacksecret"
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "connect amqp://u:****@h//" and record.args is None
    assert record.stack_info == "stack: password = ****"
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("text",), None)
    RedactingFilter().filter(plain)
    assert plain.args == ("text",) and plain.msg == "plain %s"  # untouched when clean
    broken = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %s", ("one",), None)
    assert RedactingFilter().filter(broken) is True  # a bad format string still logs
    try:
        raise ValueError("password = excsecret")
    except ValueError:
        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    RedactingFilter().filter(failed)
    assert "excsecret" not in failed.exc_text and "password = ****" in failed.exc_text


# -- moved from test_security_redaction.py: the unit cases of that review --
LEAKED_BEFORE = [
    ("amqp://svc:pa/ss@rabbit:5672/v", "pa/ss"),
    ("amqp://svc:pa'ss@rabbit:5672/v", "pa'ss"),
    ('amqp://svc:pa"ss@rabbit:5672/v', 'pa"ss'),
    ("broker_url = 'amqp://user:pass word@localhost//'", "pass word"),
    ("amqp://u:p@ss:word@host", "ss:word"),
    ("password: |\n  blocksecret1\n  blocksecret2\n", "blocksecret2"),
    ("token: >-\n  foldsecret\n", "foldsecret"),
    ("password:\n  - listsecret\n", "listsecret"),
    ("        - name: DB_PASSWORD\n          value: k8svalsecret\n", "k8svalsecret"),
    ("env:\n- value: revsecret\n  name: DB_PASSWORD\n", "revsecret"),
    ('[{"name": "API_TOKEN", "value": "inlinesecret"}]', "inlinesecret"),
    ("kind: Secret\napiVersion: v1\ndata: {pw: c2VjcmV0YmFzZTY0}\n", "c2VjcmV0YmFzZTY0"),
    ("items:\n- kind: Secret\n  data:\n    pw: c2VjcmV0YmFzZTY0\n", "c2VjcmV0YmFzZTY0"),
    ('{"kind": "Secret", "data": {"pw": "c2VjcmV0YmFzZTY0"}}', "c2VjcmV0YmFzZTY0"),
    ("password = hunter2 with space", "with space"),
    ("DB_PASSWORD=plain env secret", "env secret"),
    ('password: "esc\\"aped secret"', "aped secret"),
    ('PASSWORD="""triplesecret"""', "triplesecret"),
    ("password: !!binary c2VjcmV0YmluYXJ5", "c2VjcmV0YmluYXJ5"),
    ("password: &anchor anchsecret", "anchsecret"),
]


@pytest.mark.parametrize(("text", "secret"), LEAKED_BEFORE)
def test_review_leaks_are_masked(text, secret):
    assert secret not in redact_text(text)


def test_shape_is_kept_for_failover_lists_and_secret_refs():
    text = "BROKER = ['amqp://u:p1x@a//','amqp://u:p2x@b//']"
    assert redact_text(text) == "BROKER = ['amqp://u:****@a//','amqp://u:****@b//']"
    ref = "envFrom:\n  - secretRef:\n      name: worker-secrets\n"
    assert redact_text(ref) == ref


def test_evidence_lines_are_scrubbed_with_the_secrets_of_the_whole_paste():
    paste = "- name: DB_PASSWORD\n  value: k8svalsecret\n"
    assert redact_text("value: k8svalsecret") == "value: k8svalsecret"  # alone: looks harmless
    secrets = find_secrets(paste)
    assert scrub({"evidence": [{"text": "value: k8svalsecret"}]}, secrets) == {
        "evidence": [{"text": "value: ****"}]
    }


HOSTILE = {
    "letters": "Error " + "a" * 200_000,
    "dashes": "-" * 200_000,
    "scheme": "a" * 200_000 + "://",
    "spaces after key": "password:" + " " * 200_000 + "x",
    "env names": "env:\n" + "  name: DB_PASSWORD\n" * 10_000,
    "cookie commands": "$ sudo cat .erlang.cookie\nQWERTYUIOPASDFGHJKLZ\n" * 10_000,
    "one cookie command": "sudo exec sudo cat " * 20_000 + ".erlang.cookie\nx",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_redaction_is_not_quadratic(name):
    # 20k letters took 30 s before; the work (characters scanned by RE2, line steps) is
    # counted instead of timed: linear in the text, whatever its shape
    from diagnostics import budget, redact

    redact._run.cache_clear()
    with budget.counting() as spent:
        redact_text(HOSTILE[name] + f" {name}")
    assert spent.work < 40 * len(HOSTILE[name])


def test_log_tracebacks_are_redacted():
    try:
        raise ValueError("cannot reach amqp://svc:trace/secret@rabbit//")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", None, exc_info=__import__("sys").exc_info()
        )
    RedactingFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "trace/secret" not in formatted and "svc:****@rabbit" in formatted


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("requirepass s3cretRedis", "s3cretRedis"),
        ("CONFIG SET masterauth hunter2", "hunter2"),
        ("127.0.0.1:6379> AUTH default hunter2", "hunter2"),
        ("redis-cli -h redis -p 6379 -a hunter2 ping", "hunter2"),
        ("<password>hunter2</password>", "hunter2"),
        ("<spring:secret>abc-123</spring:secret>", "abc-123"),
        ("Cookie: sessionid=abc123def; csrftoken=zz", "abc123def"),
        ("< HTTP/1.1 200 OK\n< Set-Cookie: sessionid=curlSid42; Path=/", "curlSid42"),
        ('DB = os.environ.get("DB_PASSWORD", "devpass1")', "devpass1"),
        ("key = os.getenv('API_KEY', 'k-12345')", "k-12345"),
    ],
)
def test_more_secret_forms_are_masked(text, secret):
    from diagnostics.redact import redact_text

    redacted = redact_text(text)
    assert secret not in redacted and "****" in redacted


def test_redis_auth_words_in_log_lines_are_left_alone():
    from diagnostics.redact import redact_text

    line = "log: AUTH failed: WRONGPASS invalid username-password pair"
    assert redact_text(line) == line
    assert (
        redact_text('os.environ.get("LOG_LEVEL", "INFO")') == 'os.environ.get("LOG_LEVEL", "INFO")'
    )


# -- found by mutation testing (docs/mutation-testing.md) --


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password = ''", "password = '****'"),  # an empty quoted value keeps its quotes
        ("password = 'unterminated9", "password = ****"),
        ("password = XabcdX", "password = ****"),
        ("password:\nnext: 1", "password:\nnext: 1"),  # a key block with no value lines
        ("password:\n  user: a1b2\n", "password:\n  ****\n"),
        ("a: 1\ntoken:\n  blockv1\n", "a: 1\ntoken:\n  ****\n"),
        (
            "apiVersion: v1\nkind: Secret\ndata:\n  conn: host:port9\n",
            "apiVersion: v1\nkind: Secret\ndata:\n  conn: ****\n",
        ),
        (
            "- name: CELERY_DEFAULT_ROUTING_KEY\n  value: scan.vision\n",
            "- name: CELERY_DEFAULT_ROUTING_KEY\n  value: scan.vision\n",
        ),
        (
            "kind: ConfigMap\ndata:\n  q: a\n---\nkind: Secret\ndata: {pw: c2VjcmV0}\n",
            "kind: ConfigMap\ndata:\n  q: a\n---\nkind: Secret\ndata: {pw: ****}\n",
        ),
        (
            "kind: Secret\ndata: {a: c2VjcmV0, b: 'cXVvdGVk'} # }\n",
            "kind: Secret\ndata: {a: ****, b: '****'} # }\n",
        ),
        ("kind: Secret\ndata: {\n  pw: c2VjcmV0\n}\n", "kind: Secret\ndata: {\n  pw: ****\n}\n"),
    ],
)
def test_exact_redaction_found_by_mutants(text, expected):
    assert redact_text(text) == expected


def test_found_secrets_are_unquoted_and_never_the_mask():
    secrets = find_secrets("password = 'quoted99'\ntoken: ****\nkey_password = \"dq7777\"")
    assert "quoted99" in secrets and "dq7777" in secrets
    assert "****" not in secrets and not any(s[0] in "'\"" for s in secrets)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kind: Secret\ndata: {a: c2VjcmV0} # {keep: me}\n",
            "kind: Secret\ndata: {a: ****} # {keep: me}\n",
        ),
        ("kind: Secret\n- data:\n    pw: listItemPw1\n", "kind: Secret\n- data:\n    pw: ****\n"),
        ("- name: db_name_password\n  value: s3cr3tz1", "- name: db_name_password\n  value: ****"),
        ("- name: DB_PASSWORD\n\n  value: afterBlank1", "- name: DB_PASSWORD\n\n  value: ****"),
        (
            "- name: DB_PASSWORD\n    deeper: 1\n  value: afterDeep1",
            "- name: DB_PASSWORD\n    deeper: 1\n  value: ****",
        ),
        (
            "  - k: 1\n    value: up1secret\n    k2: 2\n    name: API_TOKEN",
            "  - k: 1\n    value: ****\n    k2: 2\n    name: API_TOKEN",
        ),
        # values of other mappings and items stay
        (
            "\n  name: API_TOKEN\nother: 1\n  value: lastLine9",
            "\n  name: API_TOKEN\nother: 1\n  value: lastLine9",
        ),
        ("value: outer1\n  name: API_TOKEN", "value: outer1\n  name: API_TOKEN"),
        (
            "  - name: DB_PASSWORD\n    k: 1\nvalue: other1",
            "  - name: DB_PASSWORD\n    k: 1\nvalue: other1",
        ),
        ("- name: DB_PASSWORD\n  - value: nested1", "- name: DB_PASSWORD\n  - value: nested1"),
    ],
)
def test_exact_redaction_of_item_windows(text, expected):
    assert redact_text(text) == expected


def test_found_secrets_keep_their_edges_and_skip_masks():
    assert "Xsecret1X" in find_secrets("password = 'Xsecret1X'")
    assert "abcd" in find_secrets("password = abcd")  # MIN_SCRUB_CHARS long: kept
    assert "****" not in find_secrets("password: |\n  ****\n  real1secret\n")


def test_scrub_replaces_the_longest_secret_first():
    # by length, not alphabetically: "zzzz" inside "azzzz1" must not be masked first
    assert scrub("x azzzz1 y", {"zzzz", "azzzz1"}) == "x **** y"


def test_line_loops_charge_one_step_per_line_visited():
    from diagnostics import budget

    for text, steps in (
        ("password: |\n" + "  x\n" * 10, 11),  # 10 value lines and the last, empty one
        ("kind: Secret\ndata:\n" + "  k: dg==\n" * 5, 3 + 6),  # 3 document lines, 6 under data
    ):
        with budget.counting() as spent:
            redact_text(text + " ")  # a fresh text: the cache must not answer
        assert spent.work - spent.regex_work == steps, text


# -- review (2026-11-30): the Erlang cookie, the key to every node of a RabbitMQ cluster --
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("RABBITMQ_ERLANG_COOKIE=ErlCookie134", "ErlCookie134"),
        ('RABBITMQ_ERLANG_COOKIE: "ErlCookie132"', "ErlCookie132"),
        ("rabbitmq:\n  auth:\n    erlangCookie: CookieSecret117\n", "CookieSecret117"),
        ("  rabbitmq-erlang-cookie: RXJsYW5nQ29va2llMTMx\n", "RXJsYW5nQ29va2llMTMx"),
        ("- name: RABBITMQ_ERLANG_COOKIE\n  value: ErlEnvItem135\n", "ErlEnvItem135"),
        ("rabbitmqctl --erlang-cookie ErlFlag130 cluster_status", "ErlFlag130"),
        ("erlang_cookie = 'ErlPy136'", "ErlPy136"),
    ],
)
def test_erlang_cookies_are_masked(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted and "****" in redacted, redacted


def test_django_cookie_settings_are_not_taken_for_secrets():
    text = "SESSION_COOKIE_SECURE = True\nCSRF_COOKIE_NAME = 'csrftoken'\n"
    assert redact_text(text) == text


# -- review (2026-11-30): Redis Sentinel and ACL passwords, redis-cli's env, Azure keys --
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("sentinel auth-pass mymaster SntPw17", "SntPw17"),
        ("user default on >AclPw19 ~* &* +@all", "AclPw19"),
        ("user celery on #9f86d0 >AclPw21 ~celery* +@all", "AclPw21"),
        ("127.0.0.1:6379> ACL SETUSER celery on >AclPw20 ~celery* +@all", "AclPw20"),
        ("REDISCLI_AUTH=RdPw16 redis-cli ping", "RdPw16"),
        (
            "result_backend = 'azureblockblob://DefaultEndpointsProtocol=https;AccountName=acct;"
            "AccountKey=AzAcct5key==;EndpointSuffix=core.windows.net'",
            "AzAcct5key",
        ),
    ],
)
def test_redis_sentinel_acl_and_azure_secrets_are_masked(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted and "****" in redacted, redacted


def test_redis_log_lines_with_user_and_arrows_are_kept():
    for text in (
        "user celery -> 10.0.0.5:6379 closed",
        "user default on > 5 connections",
        "2026-11-30 [info] accepting AMQP connection 10.0.0.5:51234 -> 10.0.0.9:5672",
    ):
        assert redact_text(text) == text


# -- review (2026-11-30): a shell session that prints the .erlang.cookie file --
COOKIE = "QWERTYUIOPASDFGHJKLZ"  # RabbitMQ's default shape: 20 uppercase letters


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"$ sudo cat /var/lib/rabbitmq/.erlang.cookie\n{COOKIE}\n$ rabbitmqctl status\n", COOKIE),
        (f"cat ~/.erlang.cookie\n\n{COOKIE}\n", COOKIE),
        (
            "$ kubectl exec -it rabbitmq-server-0 -c rabbitmq -- cat /var/lib/rabbitmq/"
            '.erlang.cookie\nDefaulted container "rabbitmq" out of: rabbitmq, setup-container '
            f"(init)\n{COOKIE}\n",
            COOKIE,
        ),
        ("docker exec rabbit cat .erlang.cookie\nmy-own.Cookie_42\n", "my-own.Cookie_42"),
        (
            "ubuntu@node1:~$ sudo cat /var/lib/rabbitmq/.erlang.cookie\n"
            f"[sudo] password for ubuntu:\n{COOKIE}\n",
            COOKIE,
        ),
        (  # no final newline in the file: the prompt follows the cookie on its line
            f"root@rabbit-0:/# cat /var/lib/rabbitmq/.erlang.cookie\n{COOKIE}root@rabbit-0:/# ls\n",
            COOKIE,
        ),
        (f"$ cat /var/lib/rabbitmq/.erlang.cookie 2>/dev/null\r\n{COOKIE}\r\n", COOKIE),
        (f"PS C:\\Users\\me> type $env:USERPROFILE\\.erlang.cookie\n{COOKIE}\n", COOKIE),
        (
            "$ kubectl get secret rabbit-erlang-cookie -o jsonpath='{.data.\\.erlang\\.cookie}'"
            f" | base64 -d\n{COOKIE}\n",
            COOKIE,
        ),
        (f"$ echo $RABBITMQ_ERLANG_COOKIE\n{COOKIE}\n", COOKIE),
    ],
)
def test_printed_erlang_cookie_files_are_masked(text, secret):
    redacted = redact_text(text)
    assert secret not in redacted and "****" in redacted, redacted
    assert secret in find_secrets(text)  # so evidence quoting the line alone is scrubbed too


def test_printed_erlang_cookie_keeps_the_command_and_every_node_s_copy_goes():
    text = (
        "$ for p in 0 1 2; do kubectl exec rabbit-$p -- cat /var/lib/rabbitmq/.erlang.cookie;"
        f" echo; done\n{COOKIE}\n{COOKIE}\n{COOKIE}\n$ rabbitmqctl cluster_status\nError: x\n"
    )
    assert redact_text(text) == text.replace(COOKIE, "****")


@pytest.mark.parametrize(
    "text",
    [
        "root@rabbit-0:/# cat /var/lib/rabbitmq/.erlang.cookie\nroot@rabbit-0:/# ls\n",
        "$ cat /var/lib/rabbitmq/.erlang.cookie | wc -c\n20\n",
        "$ cat /var/lib/rabbitmq/.erlang.cookie > /tmp/cookie\ndone\n",
        "```\n$ cat .erlang.cookie\n```\nnext\n",
        "Read more about the .erlang.cookie file\nhere\n",
        "$ ls -l /var/lib/rabbitmq/.erlang.cookie\nok\n",
        "$ cat /etc/rabbitmq/rabbitmq.conf\nloopback_users.guest=false\n",
        "$ cat /var/lib/rabbitmq/.erlang.cookie\n\n\n\n\n\n\nlater\n",  # too far to be its output
        # a file name ending in cookie is not a Cookie header (review 2026-11-30)
        "cat: /var/lib/rabbitmq/.erlang.cookie: Permission denied\n",
        "erlang.cookie: eacces\n",
    ],
)
def test_lines_that_are_not_a_printed_cookie_are_kept(text):
    assert redact_text(text) == text
