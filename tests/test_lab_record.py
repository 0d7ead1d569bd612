"""The lab's record on the pages and in the build (no broker needed)."""

from __future__ import annotations

import json
import shutil

import pytest

from kb.build import load_content
from lab import runner

pytestmark = pytest.mark.django_db


def test_verified_entry_page_shows_versions_and_date(client):
    record = runner.read_record()["serialization-error"]
    assert record["status"] == "verified"
    page = client.get("/kb/serialization-error/").content.decode()
    assert (
        f"Reproduced and fix verified on RabbitMQ {record['versions']['rabbitmq']}, "
        f"Celery {record['versions']['celery']}, kombu {record['versions']['kombu']}"
    ) in page
    assert f'datetime="{record["date"]}"' in page
    korean = client.get("/kb/serialization-error/?lang=ko").content.decode()
    assert "재현하고 해결 방법을 확인함" in korean


def test_redis_only_record_does_not_claim_rabbitmq(client):
    record = runner.read_record()["redis-visibility-timeout"]
    assert "rabbitmq" not in record["versions"], record
    page = client.get("/kb/redis-visibility-timeout/").content.decode()
    assert f"Reproduced and fix verified on Redis {record['versions']['redis']}, Celery" in page


def test_not_reproducible_entry_page_says_why(client):
    page = client.get("/kb/windows-prefork-unpack/").content.decode()
    assert "Documented, not reproduced here" in page
    assert "needs Windows" in page


def test_every_entry_page_states_its_lab_status(client):
    """Verified, failed, not reproducible (with why) or not yet in the lab: never silent."""
    record = runner.read_record()
    statuses = {}
    for slug in ("serialization-error", "transient-queue-denied", "worker-superuser-warning"):
        page = client.get(f"/kb/{slug}/").content.decode()
        found = [
            s
            for s in ("verified", "failed", "not-reproducible", "pending")
            if f'data-status="{s}"' in page
        ]
        assert len(found) == 1, (slug, found)
        statuses[slug] = found[0]
    assert statuses["serialization-error"] == "verified"
    assert statuses["transient-queue-denied"] == "not-reproducible"
    assert statuses["worker-superuser-warning"] == record["worker-superuser-warning"]["status"]


def test_entry_without_a_lab_record_says_so():
    """Every entry has a scenario or a not-reproducible record now; one whose record is
    missing (a new entry) renders as pending, in both languages."""
    from django.template.loader import render_to_string  # here: needs django.setup()

    entries = load_content(runner.CONTENT).entries
    entry = next(e for e in entries if e.slug == "worker-superuser-warning")
    assert entry.verification, "the record lost the entry"
    entry.verification = {}
    html = render_to_string("kb/_verification.html", {"entry": entry})
    assert 'data-status="pending"' in html
    assert "Not yet covered by the reproduction lab" in html
    korean = render_to_string("kb/_verification.html", {"entry": entry, "korean": True})
    assert "아직 재현 실험실에 시나리오가 없음" in korean


def _content_copy(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(runner.CONTENT, content)
    return content


def test_build_warns_when_the_record_is_older_than_the_entry(tmp_path):
    content = _content_copy(tmp_path)
    path = content / "verification.json"
    data = json.loads(path.read_text())
    data["entries"]["serialization-error"]["date"] = "2000-01-01"
    path.write_text(json.dumps(data))
    result = load_content(content)
    assert not result.errors
    assert any(
        "serialization-error.md" in w and "older than 'updated'" in w for w in result.warnings
    ), result.warnings


def test_failed_record_is_shown_as_failed(tmp_path, client, settings):
    content = _content_copy(tmp_path)
    path = content / "verification.json"
    data = json.loads(path.read_text())
    data["entries"]["serialization-error"]["status"] = "failed"
    path.write_text(json.dumps(data))
    from kb.build import build_index

    index = tmp_path / "index.sqlite3"
    assert build_index(content, index).written
    settings.KB_INDEX_PATH = index
    page = client.get("/kb/serialization-error/").content.decode()
    assert "Last verification failed" in page


def test_a_record_for_an_unknown_entry_is_an_error(tmp_path):
    content = _content_copy(tmp_path)
    path = content / "verification.json"
    data = json.loads(path.read_text())
    data["entries"]["no-such-entry"] = {"status": "verified", "date": "2026-11-29"}
    path.write_text(json.dumps(data))
    assert any("no-such-entry" in str(e) for e in load_content(content).errors)


def test_cold_cache_readiness_probe_is_a_valid_exec_probe():
    """Issue 12, item 2: `exec: [test, -f, ...]` is not a probe; `exec: {command: [...]}` is."""
    import re

    import yaml

    for name in ("cold-cache-after-restart.md", "cold-cache-after-restart.ko.md"):
        text = (runner.CONTENT / "entries" / name).read_text(encoding="utf-8")
        blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
        probes = [yaml.safe_load(b) for b in blocks if "readinessProbe" in b]
        assert probes, name
        for probe in probes:
            command = probe["readinessProbe"]["exec"]["command"]
            assert command == ["test", "-f", "/tmp/cache-ready"], command
        assert "exec: [test" not in text
