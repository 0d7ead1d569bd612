"""Secrets out of pastes: URLs, keys, headers, tokens, Kubernetes Secret data."""

from __future__ import annotations

import pytest

from diagnostics.redact import mask_url, redact_text

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
