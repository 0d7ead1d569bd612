"""`python manage.py purge_reports [--days N]`: delete saved reports and check runs past retention.

Retention defaults to KB_REPORT_RETENTION_DAYS (30) for reports and
KB_CHECK_RETENTION_DAYS for live-check runs; `--days` overrides both. Run it
daily (cron, a Kubernetes CronJob or Celery beat); it is idempotent.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from diagnostics.checks.service import purge_check_runs
from diagnostics.reports import purge_reports


class Command(BaseCommand):
    help = "Delete saved reports and check runs older than their retention period."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="retention in days (default: KB_REPORT_RETENTION_DAYS)",
        )

    def handle(self, *args, **options) -> None:
        if options["days"] is not None and options["days"] < 0:
            # a negative retention would put the cut-off in the future: everything goes
            raise CommandError(f"--days must be 0 or more, got {options['days']}")
        reports = purge_reports(days=options["days"])
        runs = purge_check_runs(days=options["days"])
        self.stdout.write(f"deleted {reports} report(s) and {runs} check run(s)")
