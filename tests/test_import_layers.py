"""Layers import downward only: no import cycle among the project's modules.

Module-level and function-level imports alike count (a function-level import
dodges a cycle at run time but not in the design). A function-level import of
a project module is allowed only with a comment on its line, or the line
above, saying why.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kb", "diagnostics", "config", "lab")


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imported(module: str, node: ast.AST, modules: dict[str, Path]) -> list[str]:
    """The project modules one import statement runs: the ones it names (`from pkg import
    submodule` too) and their packages' `__init__` modules, which Python runs first."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        package = module if modules[module].name == "__init__.py" else module.rpartition(".")[0]
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join(parts + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    found = []
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        while name:
            # a module importing its own package (or itself) is Python's normal order
            if name != module and not module.startswith(name + "."):
                found.append(name)
            name = name.rpartition(".")[0]
    return found


def import_graph(
    modules: dict[str, Path], root: Path = ROOT
) -> tuple[dict[str, set[str]], list[str]]:
    """(module -> imported project modules, unexplained function-level imports)."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    unexplained = []
    for module, path in modules.items():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = imported(module, node, modules)
            graph[module].update(targets)
            nearby = lines[node.lineno - 1] + (lines[node.lineno - 2] if node.lineno > 1 else "")
            if targets and id(node) not in top and "#" not in nearby:
                unexplained.append(f"{path.relative_to(root)}:{node.lineno}")
    return graph, unexplained


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_among_project_modules():
    graph, _ = import_graph(project_modules())
    assert len(graph) > 50
    assert cycles(graph) == []


def test_function_level_project_imports_say_why():
    _, unexplained = import_graph(project_modules())
    assert unexplained == []


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    package = tmp_path / "diagnostics"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from diagnostics import b\n")
    (package / "sub").mkdir()
    (package / "sub" / "__init__.py").write_text("from diagnostics import a\n")
    (package / "sub" / "leaf.py").write_text("")
    (package / "d.py").write_text("from diagnostics.sub.leaf import x\n")
    (package / "b.py").write_text("def f():\n    from diagnostics.c import x\n")
    (package / "c.py").write_text(
        "import diagnostics.a\n\n\ndef g():\n    import diagnostics.b  # why\n"
    )
    graph, unexplained = import_graph(project_modules(tmp_path), tmp_path)
    assert cycles(graph) == [["diagnostics.a", "diagnostics.b", "diagnostics.c"]]
    assert unexplained == ["diagnostics/b.py:2"]
    # importing a submodule runs its package's __init__ first: that is an edge too
    assert {"diagnostics.sub", "diagnostics.sub.leaf"} <= graph["diagnostics.d"]
