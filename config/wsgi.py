"""WSGI entry point (gunicorn config.wsgi).

Each process that imports it loads the KB index, matcher and embedding model
before serving (diagnostics/warmup.py; `KB_WARM_UP=0` skips it).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from diagnostics import warmup  # noqa: E402 (needs the settings configured above)

if warmup.enabled():
    warmup.warm_up()
