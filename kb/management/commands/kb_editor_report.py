"""What readers told the editors: broken inbound links, feedback, unanswered pastes.

manage.py kb_editor_report                # all three, top 20 each
manage.py kb_editor_report --404 --limit 50
"""

from django.core.management.base import BaseCommand
from django.db.models import Count, Q

from diagnostics.models import UnansweredPaste
from kb.models import Feedback, NotFoundHit


class Command(BaseCommand):
    help = "List 404 hits (to add aliases), feedback per entry and signature, unanswered pastes."

    def add_arguments(self, parser):
        parser.add_argument("--404", dest="not_found", action="store_true", help="404 hits only")
        parser.add_argument("--feedback", action="store_true", help="feedback only")
        parser.add_argument("--unanswered", action="store_true", help="unanswered pastes only")
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, **options):
        limit = options["limit"]
        every = not (options["not_found"] or options["feedback"] or options["unanswered"])
        out = self.stdout
        if every or options["not_found"]:
            out.write("404 hits (path, from, count):")
            for row in NotFoundHit.objects.order_by("-count", "path")[:limit]:
                out.write(f"  {row.count:6d}  {row.path}  <- {row.referrer or '(no referrer)'}")
        if every or options["feedback"]:
            out.write("Feedback (kind, entry, signature: yes / no):")
            totals = (
                Feedback.objects.values("kind", "slug", "signature")
                .annotate(
                    yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False))
                )
                .order_by("-no", "-yes", "slug")[:limit]
            )
            for row in totals:
                signature = f"  [{row['signature'][:60]}]" if row["signature"] else ""
                out.write(
                    f"  {row['kind']:9s} {row['slug'] or '-'}{signature}: {row['yes']} yes / {row['no']} no"
                )
            for item in Feedback.objects.exclude(reason="")[:limit]:
                out.write(
                    f"  reason ({item.slug or '-'}, {'yes' if item.helpful else 'no'}): {item.reason[:200]}"
                )
        if every or options["unanswered"]:
            out.write("Unanswered pastes (newest first, not yet handled):")
            for paste in UnansweredPaste.objects.filter(handled=False)[:limit]:
                first = (paste.text.strip().splitlines() or [""])[0][:120]
                out.write(f"  #{paste.pk} {paste.created_at:%Y-%m-%d}  {first}")
