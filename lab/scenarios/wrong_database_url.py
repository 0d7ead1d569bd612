"""A worker reads the generic DATABASE_URL, which points at another service's database:
relation "my_rewards" does not exist. The entry's own variable (MY_DATABASE_URL) fixes it.

Uses two throwaway PostgreSQL databases (`<prefix>_<random>_mine/_other`), dropped afterwards.
"""

from __future__ import annotations

import os
import secrets

from lab.support import APP_HEADER, NotReproducible

SLUG = "wrong-database-url"
POSTGRES_URL = os.environ.get("KB_LAB_POSTGRES_URL") or os.environ.get(
    "KB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

APP = (
    APP_HEADER  # noqa: S608 - the worker's source; its query is parameterised
    + """
import os

import psycopg

# SETTINGS


@app.task(name="rewards.total")
def total(user_id):
    with psycopg.connect(DATABASE) as conn:
        return conn.execute("SELECT sum(points) FROM my_rewards WHERE user_id = %s",
                            (user_id,)).fetchone()[0]
"""
)

BROKEN = 'DATABASE = os.environ["DATABASE_URL"]'


def _url(name: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


def run(lab) -> None:
    try:
        import psycopg
    except ImportError as exc:
        raise NotReproducible("psycopg is not installed") from exc
    stem = f"{os.environ.get('KB_LAB_PREFIX', 'kb-lab').replace('-', '_')}_{secrets.token_hex(3)}"
    mine, other = f"{stem}_mine", f"{stem}_other"
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise NotReproducible(f"PostgreSQL is not reachable: {exc}") from exc

    def drop() -> None:
        for name in (mine, other):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    lab.on_cleanup(drop)
    for name in (mine, other):
        admin.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(_url(mine)) as conn:
        conn.execute("CREATE TABLE my_rewards (user_id int, points int)")
        conn.execute("INSERT INTO my_rewards VALUES (7, 30), (7, 12)")
    env = {"DATABASE_URL": _url(other), "MY_DATABASE_URL": _url(mine)}
    lab.write("proj.py", APP.replace("# SETTINGS", BROKEN))
    worker = lab.worker("proj", "-P", "solo", env=env)
    lab.python("from proj import total\ntotal.delay(7)\n", "caller", env=env)
    line = worker.wait_for(r"raised unexpected: UndefinedTable")
    # a missing relation alone cannot tell a wrong database from a missing migration (and
    # real reports of this text are mostly missing migrations): both listed, neither `high`
    lab.diagnose(line, "worker log", confidence="possible", second=True)

    fix = lab.fix("fix", env_var="MY_DATABASE_URL")
    settings = fix + "\nDATABASE = MY_DATABASE_URL"
    lab.stop(worker)
    lab.write("proj.py", APP.replace("# SETTINGS", settings))
    worker = lab.worker("proj", "-P", "solo", name="fixed", env=env)
    lab.python("from proj import total\ntotal.delay(7)\n", "caller_fixed", env=env)
    worker.wait_for(r"Task rewards\.total\[.*\] succeeded in .*: 42")
    lab.step("after the fix the worker reads its own database", "sum 42")
