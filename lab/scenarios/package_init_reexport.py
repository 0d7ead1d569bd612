"""A package __init__ re-exports its submodules and one of them imports from the package:
the worker dies with a circular ImportError. The entry's fix: empty __init__, import from
the defining module."""

from __future__ import annotations

from lab.support import APP_HEADER

SLUG = "package-init-reexport"

PKG = "domains/character/services"
FILES = {
    "domains/__init__.py": "",
    "domains/character/__init__.py": "",
    f"{PKG}/__init__.py": (
        "from .evaluators import evaluate_reward\nfrom .character import CharacterService\n"
    ),
    f"{PKG}/character.py": "class CharacterService:\n    bonus = 5\n",
    f"{PKG}/evaluators.py": (
        "from domains.character.services import CharacterService\n\n\n"
        "def evaluate_reward(points):\n    return points + CharacterService.bonus\n"
    ),
}

APP = (
    APP_HEADER
    + """
from domains.character.services.evaluators import evaluate_reward


@app.task(name="character.reward")
def reward(points):
    return evaluate_reward(points)
"""
)


def run(lab) -> None:
    for name, text in FILES.items():
        (lab.dir / name).parent.mkdir(parents=True, exist_ok=True)
        lab.write(name, text)
    lab.write("labapp.py", APP)
    worker = lab.worker("labapp", "-P", "solo", ready=False)
    lab.expect(worker.exited(30) not in (None, 0), "the worker started")
    text = worker.text()
    lab.diagnose(text[text.index("Traceback (most recent call last)") :], "worker start-up")

    fix = lab.fix("fix")
    imports = [line for line in fix.splitlines() if line.startswith("from ")]
    service_import = next(line for line in imports if "CharacterService" in line)
    # the entry: "__init__.py -> no re-exports (a docstring at most)"
    lab.write(f"{PKG}/__init__.py", '"""Character services."""\n')
    evaluators = FILES[f"{PKG}/evaluators.py"].replace(
        "from domains.character.services import CharacterService", service_import
    )
    lab.write(f"{PKG}/evaluators.py", evaluators)
    lab.step("emptied __init__.py; evaluators imports from the defining module", service_import)
    worker = lab.worker("labapp", "-P", "solo", name="fixed")
    lab.python("from labapp import reward\nreward.delay(10)\n", "caller")
    worker.wait_for(r"Task character\.reward\[.*\] succeeded in .*: 15")
    lab.step("after the fix the worker starts and the task runs")
