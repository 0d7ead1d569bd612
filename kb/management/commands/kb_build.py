"""Build the KB index from content/ (or only check it with --check).

Like djangoproject.com's `update_docs`: files are the truth, the index is
derived, and a rebuild is one atomic, idempotent step. Errors are printed as
`content/entries/x.md:12: message`, one per line, and the command exits 1
without touching the index in service.

Every build, with or without --check, validates everything kb.build knows
(schema, sections, completeness, signatures, rule messages, referenced slugs)
and runs every entry's examples and counter-examples through the engine, so a
signature change that breaks an example fails the build and the index in
service stays the old one.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kb.build import build_index, load_content


class Command(BaseCommand):
    help = "Validate content/ and build the search index atomically."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument(
            "--content", default=None, help="content folder (default KB_CONTENT_DIR)"
        )
        parser.add_argument("--output", default=None, help="index file (default KB_INDEX_PATH)")

    def handle(self, *args, **options):
        content = Path(options["content"] or settings.KB_CONTENT_DIR)
        output = Path(options["output"] or settings.KB_INDEX_PATH)
        result = load_content(content) if options["check"] else build_index(content, output)
        problems = [str(e) for e in result.errors]
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(
                f"{len(problems)} problem(s) in {content}; the index was not changed"
            )
        entries = sum(1 for e in result.entries if e.kind == "entry")
        guides = len(result.entries) - entries
        verb = "checked" if options["check"] else f"built {output}"
        self.stdout.write(f"{verb}: {entries} entries, {guides} guides, version {result.version}")
