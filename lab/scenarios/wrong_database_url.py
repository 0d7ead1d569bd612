"""A worker reads the generic DATABASE_URL, which points at another service's database:
relation "my_rewards" does not exist. The entry's own variable (MY_DATABASE_URL) fixes it.

Uses two throwaway PostgreSQL databases (`<prefix>_<random>_mine/_other`), dropped afterwards.
"""

from __future__ import annotations

from lab.support import APP_HEADER, POSTGRES_URL, throwaway_databases

SLUG = "wrong-database-url"

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
    (mine, other), _, _ = throwaway_databases(lab, "_mine", "_other")
    import psycopg  # present: throwaway_databases checked it

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
