"""Load what a diagnosis needs when a web process starts, not in its first request.

The KB index, the compiled matcher, the embedding model (kb/vectors.py), the
entries' vectors, the BM25 signal table and the ranker's weights all load on
first use: about 4 s on a busy machine, which the first diagnosis after a
worker starts (or after gunicorn's `--max-requests` replaces it) used to wait
for. `config/wsgi.py` calls `warm_up()` once per process, so each gunicorn
worker (no `--preload`: it loads the app after forking) is ready before it
accepts a connection. Management commands and tests never import config.wsgi,
so they do not pay for it; `KB_WARM_UP=0` turns it off.
"""

from __future__ import annotations

import logging
import os
import time

logger = logging.getLogger(__name__)

# exercises every stage: an exception, a Celery log line, a config setting
WARM_PASTE = """\
[2026-01-01 00:00:00,000: ERROR/MainProcess] consumer: Cannot connect to amqp://guest:**@localhost:5672//: [Errno 111] Connection refused.
Traceback (most recent call last):
  File "/app/tasks.py", line 1, in run
kombu.exceptions.OperationalError: [Errno 111] Connection refused
broker_url = "amqp://guest:guest@localhost:5672//"
"""


def enabled() -> bool:
    return os.environ.get("KB_WARM_UP", "1").strip().lower() not in ("0", "false", "no", "off")


def warm_up() -> bool:
    """Diagnose one built-in paste so that everything it loads stays loaded; True when it did.

    Never raises: a missing index (`kb_build` not run yet) leaves the lazy loading
    to the first request, as before, with a warning in the log.
    """
    # Imported here, not at the top: config/wsgi.py imports this module to read
    # `enabled()`, and the engine, presenter and index load the whole app (models, KB).
    from diagnostics.engine import diagnose  # (see above)
    from diagnostics.present import present_diagnosis  # (see above)
    from kb import index  # (see above)

    started = time.monotonic()
    try:
        kb = index.get_kb()
        present_diagnosis(diagnose(WARM_PASTE, kb=kb).as_dict(), kb=kb, lang="en")
    except Exception:
        logger.warning("warm-up failed in pid %d; loading on first use", os.getpid(), exc_info=True)
        return False
    logger.info(
        "warm-up: index, matcher, embedding model and ranker loaded in pid %d (%.1f s)",
        os.getpid(),
        time.monotonic() - started,
    )
    return True
