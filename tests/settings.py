"""Settings for the test suite: the project's settings, with the environment prepared first.

pytest-django reads settings before any conftest runs, so values that come from the
environment are set here, before `config.settings` is imported:
- the KB index and the SQLite files go to a fresh temporary folder, never var/;
- rate limits are off (the suite posts far more than a person would; the limits
  have their own tests, which switch them on).
Subprocesses started by tests (check_broker, Celery workers) inherit this environment.
"""

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="kb-tests-"))
os.environ.setdefault("KB_VAR_DIR", str(_TMP))
os.environ.setdefault("KB_INDEX_PATH", str(_TMP / "kb-index.sqlite3"))
os.environ.setdefault("KB_RATE_LIMIT_DIAGNOSE", "0")
os.environ.setdefault("KB_RATE_LIMIT_CHECKS", "0")
os.environ.setdefault("KB_RATE_LIMIT_FEEDBACK", "0")

from config.settings import *  # noqa: E402,F403
