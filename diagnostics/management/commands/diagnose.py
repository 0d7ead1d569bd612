"""`python manage.py diagnose [FILE|-] [--json] [--lang ko]`: the paste diagnosis in a terminal.

Exit status: 0 when an entry matched with high confidence, 1 when only
`possible` or nothing matched, 2 on bad input (unreadable, binary, too large).
Colour only when stdout is a TTY. `--json` prints the API's JSON body.
"""

from __future__ import annotations

import html
import json
import re
import sys

from django.core.management.base import BaseCommand, CommandError

from diagnostics.engine import PasteError
from diagnostics.present import notice_text
from diagnostics.services import diagnose_paste

COLOURS = {
    "high": "\x1b[32m",
    "possible": "\x1b[33m",
    "none": "\x1b[31m",
    "error": "\x1b[31m",
    "warning": "\x1b[33m",
    "info": "\x1b[36m",
}
RESET, BOLD, DIM = "\x1b[0m", "\x1b[1m", "\x1b[2m"


class Command(BaseCommand):
    help = "Diagnose a paste (file or stdin): ranked entries, evidence, findings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="file to read, or - for stdin")
        parser.add_argument("--json", action="store_true", help="print the JSON of the API")
        parser.add_argument("--lang", choices=("en", "ko"), default="en", help="reader's language")

    def handle(self, *args, **options) -> None:
        raw = self._read(options["file"])
        try:
            outcome = diagnose_paste(text=raw, save=False, lang=options["lang"])
        except PasteError as exc:
            raise CommandError(notice_text(str(exc), options["lang"]), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(outcome.data, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(outcome.data, colour=self.stdout.isatty()))
        self.stdout.flush()
        sys.exit(0 if outcome.data["confidence"] == "high" else 1)

    def _read(self, name: str) -> bytes:
        try:
            if name == "-":
                return sys.stdin.buffer.read()
            with open(name, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror}", returncode=2) from exc


def render_text(result: dict, *, colour: bool) -> str:
    """Plain-text rendering of a presented diagnosis (ANSI colour when asked)."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if colour else text

    lines = [paint(f"confidence: {result['confidence']}", BOLD + COLOURS[result["confidence"]])]
    lines.extend(f"notice: {notice}" for notice in result["notices"])
    for match in result["matches"]:
        lines.append("")
        lines.append(
            paint(f"{match['title']}", BOLD) + f"  [{match['confidence']}, score "
            f"{match['score']:.2f}]  {match['url']}"
        )
        if match.get("confirm"):  # the entry's one check, as plain text
            lines.append("  check: " + html.unescape(re.sub(r"<[^>]+>", "", match["confirm"])))
        for item in match["evidence"]:
            where = f"line {item['line']}: " if item.get("line") else ""
            lines.append(f"  {where}{item['text']}")
            lines.append(paint(f"    ({item['signature']})", DIM))
        if match["facts"]:
            lines.append("  facts: " + ", ".join(f"{k}={v}" for k, v in match["facts"].items()))
    if result["findings"]:
        lines.append("")
        lines.append(paint("findings:", BOLD))
    for finding in result["findings"]:
        where = f"line {finding['line']}: " if finding["line"] else ""
        severity = finding["severity"]
        lines.append(
            f"  {paint(severity, COLOURS[severity])} {where}{finding['message']} [{finding['entry']}]"
        )
    if result["search_results"]:
        lines.append("")
        lines.append("search results:")
        lines.extend(f"  {hit['title']}  {hit['url']}" for hit in result["search_results"])
    return "\n".join(lines) + "\n"
