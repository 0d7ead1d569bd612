"""Run the reproduction lab's scenarios and keep the record (lab/README.md).

    python manage.py verify_entries [--only SLUG ...] [--json] [--refresh-examples]

Each scenario causes its entry's symptom on the real broker with a real worker,
checks that the diagnostics engine names the entry, applies the entry's own fix
and shows the symptom gone. The results are merged into content/verification.json
(entries whose front matter says `not_reproducible` are recorded as such).
Exit 0 when every scenario that ran was verified, 1 otherwise.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from lab import runner
from lab.examples import refresh_examples


class Command(BaseCommand):
    help = (
        "Reproduce entries on the real broker, verify their fixes, write content/verification.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", nargs="+", metavar="SLUG", help="these entries only")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")
        parser.add_argument(
            "--refresh-examples",
            action="store_true",
            help="write the captured texts into the entries' examples",
        )
        parser.add_argument("--parallel", type=int, default=3, help="scenarios at once")
        parser.add_argument(
            "--no-record", action="store_true", help="do not update content/verification.json"
        )

    def handle(self, *args, **options):
        available = runner.scenarios()
        entries = runner.current_kb().of_kind("entry")
        all_slugs = [e.slug for e in entries]
        wanted = options["only"] or all_slugs
        unknown = [s for s in wanted if s not in all_slugs]
        if unknown:
            raise CommandError(f"no entry {', '.join(unknown)}")
        declared = {r.slug: r for r in runner.not_reproducible_results(wanted)}
        to_run = [s for s in wanted if s in available and s not in declared]
        if not options["json"]:
            self.stdout.write(f"running {len(to_run)} scenario(s): {' '.join(to_run)}")
        results = runner.run_many(to_run, parallel=options["parallel"])
        everything = results + list(declared.values())
        if not options["no_record"]:
            runner.write_record(everything)
        if options["refresh_examples"]:
            for result in results:
                if result.status == "verified":
                    try:
                        changed = refresh_examples(result.slug, result.captures, result.versions)
                    except ValueError as exc:
                        self.stderr.write(f"examples not refreshed: {exc}")
                        continue
                    if changed and not options["json"]:
                        self.stdout.write(f"examples refreshed: {result.slug}")
        missing = [s for s in wanted if s not in available and s not in declared]
        if options["json"]:
            payload = {"results": [r.as_dict() for r in everything]}
            payload["without_scenario"] = missing
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            for result in everything:
                line = f"{result.status:17} {result.slug}"
                if result.seconds:
                    line += f" ({result.seconds:.0f}s)"
                if result.reason:
                    line += f": {result.reason.splitlines()[0][:200]}"
                self.stdout.write(line)
            if missing:
                self.stdout.write(f"no scenario yet: {' '.join(missing)}")
        if any(r.status == "failed" for r in results):
            raise SystemExit(1)
