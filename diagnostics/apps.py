from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender, using="default", **kwargs) -> None:
    """`migrate` also creates the database cache's table (rate limits live there when
    no KB_CACHE_URL is set), so a site that only runs migrations never answers 500."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="kb-cache-table")
