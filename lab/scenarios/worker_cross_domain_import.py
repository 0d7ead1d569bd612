"""The scan worker imports the character service's code and with it fastapi, which its image
lacks; the entry's send_task by name leaves the import out."""

from __future__ import annotations

from lab.support import APP_HEADER

SLUG = "worker-cross-domain-import"

FILES = {
    "domains/__init__.py": "",
    "domains/character/__init__.py": "",
    "domains/character/api.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
    "domains/character/services.py": (
        "from domains.character.api import router  # the web layer, pulled in by accident\n\n\n"
        "def match(user_id, scan_id):\n    return f'match {user_id}/{scan_id}'\n"
    ),
}

SCAN_APP = (
    APP_HEADER
    + """
app.conf.task_default_queue = "scan"
# IMPORT


@app.task(name="scan.process")
def process(user_id, scan_id):
# CALL
    return result
"""
)

BROKEN_IMPORT = "from domains.character.services import match"
BROKEN_CALL = "    result = match(user_id, scan_id)"

CHARACTER_APP = (
    APP_HEADER
    + """

@app.task(name="character.match")
def match(user_id, scan_id):
    return f"match {user_id}/{scan_id}"
"""
)


def run(lab) -> None:
    for name, text in FILES.items():
        (lab.dir / name).parent.mkdir(parents=True, exist_ok=True)
        lab.write(name, text)
    lab.write(
        "scanapp.py", SCAN_APP.replace("# IMPORT", BROKEN_IMPORT).replace("# CALL", BROKEN_CALL)
    )
    worker = lab.worker("scanapp", "-P", "solo", ready=False)
    lab.expect(worker.exited(30) not in (None, 0), "the scan worker started")
    text = worker.text()
    # The right entry first, but just under the `high` threshold since the ranker was
    # retrained on the 556-paste corpus (0.9946 against 0.9954): listed in lab/README.md.
    start = text.index("Traceback (most recent call last)")
    lab.diagnose(text[start:], "worker start-up", confidence="possible")

    fix = lab.fix("fix", task="character.match", queue="character.match")
    body = "\n".join("    " + line for line in fix.splitlines())
    lab.write("scanapp.py", SCAN_APP.replace("# CALL", body))
    lab.write("characterapp.py", CHARACTER_APP)
    scan = lab.worker("scanapp", "-P", "solo", name="scan")
    character = lab.worker("characterapp", "-P", "solo", "-Q", "character.match", name="character")
    lab.python("from scanapp import process\nprocess.delay(3, 9)\n", "caller")
    scan.wait_for(r"Task scan\.process\[.*\] succeeded")
    character.wait_for(r"Task character\.match\[.*\] succeeded in .*: 'match 3/9'")
    lab.step("after the fix the scan worker starts and the character worker runs the match")
