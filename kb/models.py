"""What readers tell editors: broken inbound links (404 hits) and "Was this helpful?".

Neither stores personal data: a 404 hit is a path and the referring page, both
without query strings or fragments; feedback is a yes/no, an optional reason
and what it was about (an entry, or a diagnosis's top entry and signature).
"""

from django.db import models


class NotFoundHit(models.Model):
    """A missing URL people arrive at, and from where: an editor adds an alias."""

    path = models.CharField(max_length=300)
    referrer = models.CharField(max_length=300, blank=True, help_text="Without query string.")
    count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "referrer"], name="kb_notfound_path_referrer")
        ]
        ordering = ["-count", "path"]
        verbose_name = "404 hit"

    def __str__(self) -> str:
        return f"{self.path} ({self.count})"


class Feedback(models.Model):
    """One "Was this helpful?" answer, on an entry page or a diagnosis."""

    class Kind(models.TextChoices):
        ENTRY = "entry", "entry"
        DIAGNOSIS = "diagnosis", "diagnosis"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    slug = models.CharField(max_length=100, blank=True, db_index=True)
    signature = models.CharField(max_length=300, blank=True, db_index=True)
    helpful = models.BooleanField()
    reason = models.TextField(blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"

    def __str__(self) -> str:
        return f"{self.kind} {self.slug or '-'}: {'yes' if self.helpful else 'no'}"
