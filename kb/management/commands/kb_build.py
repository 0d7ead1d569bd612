"""Build the KB index from content/ (or only check it with --check).

Like djangoproject.com's `update_docs`: files are the truth, the index is
derived, and a rebuild is one atomic, idempotent step. Errors are printed as
`content/entries/x.md:12: message`, one per line, and the command exits 1
without touching the index in service.

With --check the build also runs every entry's examples and counter-examples
through the diagnostics matcher (when it is installed), so a signature change
that breaks an example fails the check.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kb.build import build_index, load_content


def example_errors(entries) -> list[str]:
    """Examples that do not rank their own entry first (diagnostics.matcher)."""
    try:
        from diagnostics.matcher import check_examples
    except ImportError:
        return []
    from kb.index import KnowledgeBase

    return list(check_examples(KnowledgeBase.from_entries(entries)))


class Command(BaseCommand):
    help = "Validate content/ and build the search index atomically."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument(
            "--content", default=None, help="content folder (default KB_CONTENT_DIR)"
        )
        parser.add_argument("--output", default=None, help="index file (default KB_INDEX_PATH)")
        parser.add_argument(
            "--no-examples", action="store_true", help="with --check: skip examples"
        )

    def handle(self, *args, **options):
        content = Path(options["content"] or settings.KB_CONTENT_DIR)
        output = Path(options["output"] or settings.KB_INDEX_PATH)
        if options["check"]:
            result = load_content(content)
            problems = [str(e) for e in result.errors]
            if not problems and not options["no_examples"]:
                problems += example_errors(result.entries)
        else:
            result = build_index(content, output)
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
