"""Exit 0 when the test PostgreSQL answers (KB_TEST_POSTGRES_URL or the local default)."""

import os
import sys

import psycopg

url = os.environ.get("KB_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
try:
    psycopg.connect(url, connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
