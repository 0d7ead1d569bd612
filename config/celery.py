"""The site's own Celery app: it runs live checks when CELERY_BROKER_URL is set.

Start a worker with `make worker` (celery -A config worker -Q kb-checks).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["diagnostics"])
