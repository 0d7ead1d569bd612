"""requirements.txt and Dockerfile: which packages the worker image will have.

Sample:

    celery[redis]==5.7.0
    django-celery-results>=2.5  # results in the Django DB
    -r base.txt
    FROM python:3.11-slim
    RUN pip install celery==5.7.0 kombu

A block counts as a requirements file when most of its non-comment lines are
requirement specifiers; package names are normalised (PEP 503: lowercase,
runs of `-_.` become `-`), and extras (`celery[redis]`) count as packages too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnostics import linear_re as re
from diagnostics.parsers.base import NotMine, Parser

REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)(?:\[(?P<extras>[A-Za-z0-9,._\- ]+)\])?"
    r"\s*(?:(?:==|>=|<=|~=|!=|>|<|===)\s*[\w.*+!\-]+\s*,?\s*)*(?:;.*)?(?:\s+#.*)?$"
)
OPTION = re.compile(r"^-(?:r|c|e|-index-url|-extra-index-url|-find-links)\b", needs=("-",))
DOCKER_INSTRUCTION = re.compile(
    r"^(?P<op>FROM|RUN|CMD|ENTRYPOINT|COPY|ADD|ENV|WORKDIR|ARG|USER|EXPOSE|LABEL)\s", re.IGNORECASE
)
PIP_INSTALL = re.compile(r"\bpip3?\s+install\s+(?P<args>[^&;|]+)", needs=("pip",))


@dataclass
class Requirements:
    """Packages a pasted requirements file or Dockerfile installs."""

    packages: dict[str, int] = field(default_factory=dict)  # normalised name -> line
    sources: list[str] = field(default_factory=list)  # "requirements" | "dockerfile"
    first_line: int | None = None


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(lines: list[str]) -> Requirements | None:
    """Requirements found in the paste (1-based lines), or None when there is no such block."""
    found = Requirements()
    _scan_requirement_blocks(lines, found)
    _scan_dockerfile(lines, found)
    return found if found.packages else None


def _scan_requirement_blocks(lines: list[str], found: Requirements) -> None:
    block: list[tuple[int, str]] = []
    for number, raw in enumerate([*lines, ""], start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            block.append((number, line))
            continue
        if not line and block:
            _accept_block(block, found)
            block = []


def _accept_block(block: list[tuple[int, str]], found: Requirements) -> None:
    matches = [(n, REQUIREMENT.match(text)) for n, text in block if not OPTION.match(text)]
    good = [(n, m) for n, m in matches if m]
    pinned = [m for _, m in good if re.search(r"[=<>~]", m.group(0))]
    if len(good) < max(2, 0.8 * len(matches)) or not pinned:
        return
    found.sources.append("requirements")
    for number, match in good:
        _add(found, match["name"], match["extras"], number)


def _scan_dockerfile(lines: list[str], found: Requirements) -> None:
    instructions = [(n, line) for n, line in enumerate(lines, 1) if DOCKER_INSTRUCTION.match(line)]
    if not any(line.upper().startswith("FROM ") for _, line in instructions):
        return
    found.sources.append("dockerfile")
    for number, line in instructions:
        install = PIP_INSTALL.search(line)
        if not install:
            continue
        for word in install["args"].split():
            match = REQUIREMENT.match(word.strip("'\""))
            if match and not word.startswith("-"):
                _add(found, match["name"], match["extras"], number)


def _add(found: Requirements, name: str, extras: str | None, number: int) -> None:
    found.first_line = found.first_line or number
    found.packages.setdefault(normalise(name), number)
    for extra in (extras or "").split(","):
        if extra.strip():
            found.packages.setdefault(normalise(extra.strip()), number)


def parse_requirements_text(text: str) -> Requirements:
    """The packages `text` installs; NotMine when it is no requirements file or Dockerfile."""
    found = parse_requirements(text.splitlines())
    if found is None:
        raise NotMine("no requirements")
    return found


PARSER = Parser("requirements", parse_requirements_text, wired=True, module=__name__)
