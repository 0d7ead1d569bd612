"""A Django worker starts against a database where `manage.py migrate` never ran: every task
that reads the table fails with "no such table: shop_order". The entry's own commands
(`showmigrations`, `migrate`) fix it, and the same worker, not restarted, then succeeds.

The Django project is written into the scenario's folder: an app `shop` with one model and
its first migration, a SQLite database file beside it. Where PostgreSQL answers, the same
worker is also started against a throwaway empty database (dropped afterwards) for
PostgreSQL's wording of the failure.
"""

from __future__ import annotations

import sys

from lab import support
from lab.support import LabError, NotReproducible, throwaway_databases

SLUG = "migrations-not-applied"

SETTINGS = """\
import os
import pathlib

SECRET_KEY = "lab"
USE_TZ = True
INSTALLED_APPS = ["shop"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
if os.environ.get("LAB_PG_NAME"):
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["LAB_PG_NAME"],
        "USER": os.environ["LAB_PG_USER"], "HOST": os.environ["LAB_PG_HOST"],
        "PORT": os.environ["LAB_PG_PORT"],
    }}
else:
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(pathlib.Path(__file__).parent / "db.sqlite3"),
    }}
"""

MANAGE = """\
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labsettings")
from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
"""

MODELS = """\
from django.db import models


class Order(models.Model):
    total = models.IntegerField(default=0)
"""

MIGRATION = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("total", models.IntegerField(default=0)),
            ],
        ),
    ]
"""

APP = """\
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labsettings")
import django

django.setup()

from celery import Celery

app = Celery("proj", broker=os.environ["LAB_BROKER_URL"])
app.conf.broker_connection_retry_on_startup = True


@app.task(name="shop.tasks.count_orders")
def count_orders():
    from shop.models import Order

    return Order.objects.count()
"""

CALL = "from proj import count_orders\ncount_orders.delay()\n"


def _manage(lab, args: list[str], name: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`python manage.py ARGS` in the project folder: (exit code, output)."""
    proc = lab.start([sys.executable, "manage.py", *args], name, env)
    code = proc.exited(60)
    if code is None:
        proc.stop()
        raise LabError(f"manage.py {' '.join(args)} did not finish within 60s")
    return code, proc.text()


def _entry_commands(block: str) -> list[list[str]]:
    """The `$ python manage.py ...` lines of the entry's fix block, as argument lists."""
    return [c[2:] for c in support.fix_commands(block, "python") if c[1:2] == ["manage.py"]]


def _write_project(lab) -> None:
    (lab.dir / "shop" / "migrations").mkdir(parents=True, exist_ok=True)
    lab.write("labsettings.py", SETTINGS)
    lab.write("manage.py", MANAGE)
    lab.write("shop/__init__.py", "")
    lab.write("shop/models.py", MODELS)
    lab.write("shop/migrations/__init__.py", "")
    lab.write("shop/migrations/0001_initial.py", MIGRATION)
    lab.write("proj.py", APP)


def run(lab) -> None:
    _write_project(lab)
    code, _ = _manage(lab, ["migrate", "--check"], "check_before")
    lab.expect(code == 1, f"migrate --check exited {code} on an empty database, not 1")
    lab.step("`migrate --check` exits 1 while the migration is unapplied")

    worker = lab.worker("proj", "-P", "solo")
    lab.python(CALL, "caller")
    worker.wait_for(r"raised unexpected: OperationalError\('no such table: shop_order'\)")
    worker.wait_for(r"OperationalError: no such table: shop_order$")
    text = worker.text()
    start = text.index("Task shop.tasks.count_orders[")
    capture = text[text.rfind("\n", 0, start) + 1 :].rstrip("\n")
    # first, but `possible` (0.966 on 2026-12-03 against the 0.997 threshold): a missing
    # SQLite table is also a database file opened from another working directory
    # (wrong-database-url), and real reports of the text include both
    lab.diagnose(capture, "worker log: no such table (SQLite)", confidence="possible")

    fix = lab.fix("fix", app_label="shop")
    commands = _entry_commands(fix)
    lab.expect(
        [c[0] for c in commands] == ["showmigrations", "migrate"],
        f"the entry's fix block runs {commands}, not showmigrations then migrate",
    )
    code, shown = _manage(lab, commands[0], "showmigrations")
    lab.expect(code == 0 and "[ ] 0001_initial" in shown, f"showmigrations said:\n{shown}")
    lab.step("showmigrations lists the unapplied migration", shown.strip())
    code, applied = _manage(lab, commands[1], "migrate")
    lab.expect(code == 0 and "Applying shop.0001_initial... OK" in applied, applied)
    code, _ = _manage(lab, ["migrate", "--check"], "check_after")
    lab.expect(code == 0, f"migrate --check exited {code} after migrate, not 0")
    lab.step("`migrate --check` exits 0 after the entry's commands")

    # the same worker, not restarted: the next task finds the table
    lab.python(CALL, "caller_fixed")
    worker.wait_for(r"Task shop\.tasks\.count_orders\[.*\] succeeded in .*: 0")
    lab.step("after migrate the same worker, not restarted, runs the task")
    lab.stop(worker)
    _postgresql(lab)


def _postgresql(lab) -> None:
    """PostgreSQL's wording: the same worker against an empty throwaway database."""
    try:
        (name,), parts, _ = throwaway_databases(lab, "")
    except NotReproducible as exc:  # the SQLite part above is the scenario's proof
        lab.step("PostgreSQL part skipped", str(exc))
        return
    env = {
        "LAB_PG_NAME": name,
        "LAB_PG_USER": parts.username or "postgres",
        "LAB_PG_HOST": parts.hostname or "127.0.0.1",
        "LAB_PG_PORT": str(parts.port or 5432),
    }
    worker = lab.worker("proj", "-P", "solo", name="pg", env=env)
    lab.python(CALL, "caller_pg", env=env)
    line = worker.wait_for(r"UndefinedTable: relation \"shop_order\" does not exist")
    # the bare relation text is also what a worker reading another database says
    # (wrong-database-url): this entry first, but not `high`
    lab.diagnose(line, "worker log: relation does not exist (PostgreSQL)", confidence="possible")
    code, _ = _manage(lab, ["migrate"], "migrate_pg", env)
    lab.expect(code == 0, "migrate failed on the PostgreSQL database")
    lab.python(CALL, "caller_pg_fixed", env=env)
    worker.wait_for(r"Task shop\.tasks\.count_orders\[.*\] succeeded in .*: 0")
    lab.step("PostgreSQL: after migrate the same worker runs the task")
