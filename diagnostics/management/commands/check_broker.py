"""`python manage.py check_broker URL ...`: live, read-only checks from a terminal.

Exit status: 0 when no result is `fail` or `error`, 1 when one is, 2 when the
run could not start (bad arguments, a host outside KB_BROKER_ALLOWED_HOSTS),
with the reason on stderr and no connection attempted.

The password need not appear on the command line (where `ps` shows it): it
is read, in this order, from --password-file, from the KB_BROKER_PASSWORD
environment variable, or from the URL. The management API password likewise
from --management-password-file or KB_MANAGEMENT_PASSWORD, defaulting to the
broker's credentials.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from diagnostics.checks import (
    CheckRequest,
    HostNotAllowed,
    TargetError,
    is_failing,
    prepare_plan,
    run_plan,
)
from diagnostics.checks.results import count_statuses
from diagnostics.present import notice_text, present_check_result, present_check_results
from kb.index import IndexUnavailable, get_kb

STATUS_LABEL = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR", "skipped": "SKIP"}


def _read_secret_file(path: str | None, what: str) -> str | None:
    if not path:
        return None
    try:
        return Path(path).read_text().strip("\r\n")
    except OSError as exc:
        raise CommandError(
            f"cannot read the {what} file {path}: {exc.strerror}", returncode=2
        ) from exc


def _read_config(path: str | None) -> str | None:
    if not path:
        return None
    source = sys.stdin if path == "-" else None
    try:
        return source.read() if source else Path(path).read_text(errors="replace")
    except OSError as exc:
        raise CommandError(f"cannot read --config {path}: {exc.strerror}", returncode=2) from exc


def _kb_or_none() -> Any:
    """The KB for the results' words; without an index the results keep their keys."""
    try:
        return get_kb()
    except IndexUnavailable:
        return None


class Command(BaseCommand):
    help = "Run read-only live checks against a RabbitMQ or Redis broker and its Celery workers."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "url",
            help="broker URL (amqp://, amqps://, redis://, rediss://; "
            "failover lists separated by ';')",
        )
        parser.add_argument(
            "--management-url", help="RabbitMQ management API, e.g. http://host:15672"
        )
        parser.add_argument("--management-user")
        parser.add_argument(
            "--management-password",
            help="prefer --management-password-file or KB_MANAGEMENT_PASSWORD",
        )
        parser.add_argument("--management-password-file")
        parser.add_argument("--password-file", help="file holding the broker password")
        parser.add_argument("--vhost", help="vhost to check (default: the URL's)")
        parser.add_argument(
            "--queue",
            action="append",
            default=[],
            dest="queues",
            help="queue to check (repeatable)",
        )
        parser.add_argument("--config", help="Celery config or manifest file ('-' for stdin)")
        parser.add_argument(
            "--consumer-timeout-ms",
            type=int,
            help="the broker's consumer_timeout if changed from 1800000",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help="bound for the whole run in seconds (default KB_CHECK_TIMEOUT)",
        )
        parser.add_argument("--ca-file", help="CA bundle for amqps:// / rediss:// / https://")
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="do not verify TLS certificates (verification is on by default)",
        )
        parser.add_argument("--json", action="store_true", help='print {"target", "results"}')
        parser.add_argument("--lang", choices=("en", "ko"), default="en", help="reader's language")

    def handle(self, *args: Any, **options: Any) -> None:
        self.kb, self.lang = _kb_or_none(), options["lang"]
        request = self._build_request(options)
        try:
            plan = prepare_plan(request)
        except (TargetError, HostNotAllowed) as exc:
            raise CommandError(notice_text(str(exc), options["lang"]), returncode=2) from exc
        as_json = options["json"]
        if not as_json:
            with translation.override(self.lang):
                checking = _("Checking %(target)s (timeout %(timeout)s s)") % {
                    "target": plan.target,
                    "timeout": f"{request.timeout:g}",
                }
            self.stdout.write(checking)
        results = run_plan(plan, on_result=None if as_json else self._print_result)
        if as_json:
            shown = present_check_results(results, kb=self.kb, lang=self.lang)
            self.stdout.write(json.dumps({"target": plan.target, "results": shown}, indent=2))
        else:
            counts = count_statuses(results)
            self.stdout.write(", ".join(f"{n} {s}" for s, n in counts.items() if n))
        if is_failing(results):
            sys.exit(1)

    def _build_request(self, options: dict[str, Any]) -> CheckRequest:
        password = _read_secret_file(options["password_file"], "password")
        if password is None:
            password = os.environ.get("KB_BROKER_PASSWORD") or None
        management_password = (
            _read_secret_file(options["management_password_file"], "management password")
            or options["management_password"]
            or os.environ.get("KB_MANAGEMENT_PASSWORD")
            or None
        )
        timeout = (
            options["timeout"] if options["timeout"] is not None else settings.KB_CHECK_TIMEOUT
        )
        fields = {
            "broker_url": options["url"],
            "management_url": options["management_url"],
            "management_user": options["management_user"],
            "management_password": management_password,
            "password": password,
            "vhost": options["vhost"],
            "queues": options["queues"],
            "config": _read_config(options["config"]),
            "consumer_timeout_ms": options["consumer_timeout_ms"],
            "tls_verify": not options["no_verify"],
        }
        try:
            return CheckRequest.from_fields(fields, timeout=timeout, ca_file=options["ca_file"])
        except TargetError as exc:
            raise CommandError(notice_text(str(exc), self.lang), returncode=2) from exc

    def _print_result(self, result: dict[str, Any]) -> None:
        result = present_check_result(result, kb=self.kb, lang=self.lang)
        label = STATUS_LABEL[result["status"]]
        style = {
            "PASS": self.style.SUCCESS,
            "WARN": self.style.WARNING,
            "FAIL": self.style.ERROR,
            "ERROR": self.style.ERROR,
        }.get(label, str)
        line = f"{style(label):<5} {result['title']}: {result['message']}"
        if result["entry"]:
            with translation.override(self.lang):
                see = _("see")
            line += f"  [{see} {reverse('kb:entry', args=[result['entry']])}]"
        self.stdout.write(line)
        self.stdout.flush()
