"""Live checks without a broker: targets, allowlist, sealing, scrubbing, the run's timeouts."""

from __future__ import annotations

import time

import pytest

from diagnostics.checks import CheckRequest, HostNotAllowed, TargetError, prepare_plan, scrub
from diagnostics.checks.allowlist import Allowlist, authorize_host
from diagnostics.checks.results import ERROR, PASS, SKIPPED, CheckResult
from diagnostics.checks.runner import CheckUnit, run_units
from diagnostics.checks.sealing import SealError, seal, unseal
from diagnostics.probes.targets import parse_broker_url, parse_endpoint


def test_parse_endpoint_reads_vhost_like_kombu():
    assert parse_endpoint("amqp://u:p@h:5673//").vhost == "/"
    assert parse_endpoint("amqp://u:p@h/").vhost == "/"
    assert parse_endpoint("amqp://u:p@h/%2F").vhost == "/"
    assert parse_endpoint("amqp://u:p@h/eco2").vhost == "eco2"
    assert parse_endpoint("amqps://h").port == 5671
    assert parse_endpoint("redis://:pw@h/15").db == 15


def test_masked_url_hides_password_and_repr_never_shows_it():
    endpoint = parse_endpoint("amqp://svc:hunter2@rabbit:5672/eco2")
    assert endpoint.masked == "amqp://svc:****@rabbit:5672/eco2"
    assert "hunter2" not in repr(endpoint)
    assert "hunter2" not in repr(CheckRequest("amqp://svc:hunter2@rabbit//"))


def test_failover_list_becomes_one_endpoint_per_node_with_password_override():
    endpoints = parse_broker_url("amqp://u@a//;amqp://u@b:5673//", password="s3cret")
    assert [(e.host, e.port, e.password) for e in endpoints] == [
        ("a", 5672, "s3cret"),
        ("b", 5673, "s3cret"),
    ]


@pytest.mark.parametrize("url", ["http://h/", "amqp:///", "amqp://h;redis://h", ""])
def test_bad_broker_urls_are_refused(url):
    with pytest.raises(TargetError):
        parse_broker_url(url)


def test_allowlist_checks_every_resolved_address():
    allowlist = Allowlist.from_entries(["127.0.0.0/8", "::1"])
    assert authorize_host("127.0.0.1", 5672, allowlist) == ["127.0.0.1"]
    with pytest.raises(HostNotAllowed, match="KB_BROKER_ALLOWED_HOSTS"):
        authorize_host("10.9.8.7", 5672, allowlist)


def test_allowlist_names_and_suffixes():
    allowlist = Allowlist.from_entries(["rabbit.internal", "*.mq.example.com", "10.0.0.0/24"])
    assert allowlist.allows_name("RABBIT.internal")
    assert allowlist.allows_name("a.mq.example.com")
    assert not allowlist.allows_name("mq.example.com.evil")
    assert allowlist.allows_address("10.0.0.200")
    assert not allowlist.allows_address("10.0.1.1")
    assert allowlist.allows_address("::ffff:10.0.0.5")


def test_prepare_plan_refuses_management_host_outside_allowlist(settings):
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]
    request = CheckRequest("amqp://g:g@127.0.0.1//", management_url="http://10.1.1.1:15672")
    with pytest.raises(HostNotAllowed, match="10.1.1.1 is not in KB_BROKER_ALLOWED_HOSTS"):
        prepare_plan(request)


def test_params_never_hold_the_password(settings):
    request = CheckRequest(
        "amqp://svc:hunter2@127.0.0.1//",
        management_url="http://127.0.0.1:15672",
        management_password="mgmt-pass",
    )
    plan = prepare_plan(request)
    assert "hunter2" not in str(plan.params()) and "mgmt-pass" not in str(plan.params())
    assert plan.target == "amqp://svc:****@127.0.0.1:5672/"


def test_seal_roundtrip_and_tamper_detection():
    token = seal({"broker_url": "amqp://u:hunter2@h//"})
    assert "hunter2" not in token
    assert unseal(token)["broker_url"] == "amqp://u:hunter2@h//"
    forged = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    with pytest.raises(SealError):
        unseal(forged)


def test_sealed_token_expires():
    with pytest.raises(SealError, match="expired"):
        unseal(seal({"x": 1}, ttl_s=-1))


def test_seal_depends_on_secret_key(settings):
    token = seal({"x": 1})
    settings.SECRET_KEY = "another-key-entirely"
    with pytest.raises(SealError):
        unseal(token)


def test_scrub_masks_run_secrets_and_urls_everywhere():
    data = {"message": "login hunter2 failed", "evidence": {"url": ["amqp://a:zzz@h/"]}}
    clean = scrub(data, ["hunter2"])
    assert clean == {"message": "login **** failed", "evidence": {"url": ["amqp://a:****@h/"]}}


def _plan(timeout: float):
    return prepare_plan(CheckRequest("amqp://g:g@127.0.0.1//", timeout=timeout))


def _unit(check_id: str, seconds: float, timeout: float = 10.0) -> CheckUnit:
    def run(ctx, emit):
        time.sleep(seconds)
        emit(CheckResult(check_id, check_id, PASS, "slept"))

    return CheckUnit(check_id, check_id.title(), run, timeout=timeout)


def test_unit_overrunning_its_timeout_is_an_error_and_late_results_are_dropped():
    results = run_units(_plan(5), [_unit("slow", 0.6, timeout=0.2), _unit("next", 0)])
    assert [(r["check"], r["status"]) for r in results] == [("slow", ERROR), ("next", PASS)]
    assert "timed out after 0.2 s" in results[0]["message"]
    time.sleep(0.6)  # the abandoned thread finishes; its result must not appear
    assert len(results) == 2


def test_whole_run_timeout_names_the_check_that_ran_out_and_skips_the_rest():
    started = time.monotonic()
    results = run_units(_plan(0.5), [_unit("fast", 0), _unit("stuck", 30), _unit("after", 0)])
    assert (
        time.monotonic() - started < 15
    )  # far below the stuck unit's 30 s: the run's bound ended it
    assert [(r["check"], r["status"]) for r in results] == [
        ("fast", PASS),
        ("stuck", ERROR),
        ("after", SKIPPED),
    ]
    assert "whole run's 0.5 s timeout" in results[1]["message"]
    assert "during check 'stuck'" in results[2]["message"]


def test_result_shape_is_the_documented_one():
    result = CheckResult("c", "T", PASS, "m").as_dict()
    assert list(result) == [
        "check",
        "title",
        "status",
        "entry",
        "rule",
        "outcome",
        "message",
        "evidence",
        "duration_ms",
    ]
    with pytest.raises(ValueError):
        CheckResult("c", "T", "ok", "m")


def test_name_allowed_by_name_cannot_resolve_to_loopback_or_metadata():
    # "localhost" is allowed by name only: it resolves to loopback, which is not listed.
    with pytest.raises(HostNotAllowed, match="resolves to 127.0.0.1"):
        authorize_host("localhost", 5672, Allowlist.from_entries(["localhost"]))
    assert "127.0.0.1" in authorize_host(
        "localhost", 5672, Allowlist.from_entries(["localhost", "127.0.0.0/8", "::1"])
    )
    from diagnostics.checks.allowlist import is_special

    assert is_special("169.254.169.254") and is_special("::1") and is_special("0.0.0.0")
    assert is_special("10.1.2.3") and is_special("203.0.113.10")  # private use, documentation
    assert not is_special("8.8.8.8") and not is_special("2606:4700:4700::1111")


def test_dns_lookup_has_its_own_deadline(monkeypatch):
    import socket
    import time

    from diagnostics.checks import allowlist as module

    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: time.sleep(30))
    started = time.monotonic()
    with pytest.raises(module.HostUnresolvable, match="timed out after 0.2 s"):
        module.resolve_host("slow.example", 5672, timeout=0.2)
    assert time.monotonic() - started < 15  # far below the resolver's 30 s


def test_a_missing_queue_without_a_config_warns_instead_of_failing():
    # review 2026-11-30: `--queue celery` alone on a fresh broker said FAIL "nothing in the
    # given config declares it: consumers get 404" though no config was given and a Celery
    # worker declares the queues it consumes when it starts.
    from types import SimpleNamespace

    from diagnostics.checks.expectations import AppExpectations
    from diagnostics.checks.rabbitmq_queues import _missing_result
    from diagnostics.present import present_check_result

    plan = SimpleNamespace(expectations=AppExpectations(), vhost="/")
    result = _missing_result(SimpleNamespace(plan=plan), "celery", None)
    assert (result.status, result.entry) == ("warn", "queue-not-found")
    message = present_check_result(result.as_dict(), kb=None, lang="en")["message"]
    assert "given config" not in message and "declares the queues it consumes" in message
    assert "404 NOT_FOUND" in present_check_result(result.as_dict(), kb=None, lang="ko")["message"]
