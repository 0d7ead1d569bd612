"""Editors' views: broken inbound links and reader feedback."""

from django.contrib import admin
from django.db.models import Count, Q

from kb.models import Feedback, NotFoundHit


@admin.register(NotFoundHit)
class NotFoundHitAdmin(admin.ModelAdmin):
    list_display = ("path", "referrer", "count", "first_seen", "last_seen")
    search_fields = ("path", "referrer")
    ordering = ("-count",)
    readonly_fields = ("path", "referrer", "count", "first_seen", "last_seen")


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "slug", "helpful", "short_reason", "signature")
    list_filter = ("kind", "helpful")
    search_fields = ("slug", "signature", "reason")
    readonly_fields = ("kind", "slug", "signature", "helpful", "reason", "created_at")

    @admin.display(description="reason")
    def short_reason(self, obj: Feedback) -> str:
        return obj.reason[:80]

    def changelist_view(self, request, extra_context=None):
        totals = (
            Feedback.objects.values("kind", "slug")
            .annotate(
                yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False))
            )
            .order_by("-no", "slug")[:20]
        )
        extra_context = {**(extra_context or {}), "title": "Feedback", "totals": list(totals)}
        return super().changelist_view(request, extra_context)
