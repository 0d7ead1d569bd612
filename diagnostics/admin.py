"""Editors' queue: pastes the KB could not answer (redacted, sent with the user's consent)."""

from django.contrib import admin

from diagnostics.models import UnansweredPaste


@admin.register(UnansweredPaste)
class UnansweredPasteAdmin(admin.ModelAdmin):
    list_display = ("created_at", "first_line", "searched_for", "kinds", "handled")
    list_filter = ("handled",)
    search_fields = ("text", "searched_for")
    readonly_fields = ("created_at", "text", "searched_for", "kinds")
    list_editable = ("handled",)

    @admin.display(description="paste")
    def first_line(self, obj: UnansweredPaste) -> str:
        return (obj.text.strip().splitlines() or [""])[0][:100]
