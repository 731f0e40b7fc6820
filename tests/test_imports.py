"""The package's modules import in any order and form no import cycle."""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "sklweights"


def _module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return sorted(_module_name(p) for p in ROOT.rglob("*.py"))


def _module_level_imports(path, modules):
    """The sklweights modules ``path`` imports when it is imported."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    deps = set()
    body = ast.parse(path.read_text()).body
    nodes = [
        n
        for stmt in body
        if not isinstance(stmt, ast.FunctionDef | ast.ClassDef)
        for n in ast.walk(stmt)
    ]
    for stmt in body:  # class bodies run at import too, methods do not
        if isinstance(stmt, ast.ClassDef):
            nodes += [
                n for n in stmt.body if isinstance(n, ast.Import | ast.ImportFrom)
            ]
    for node in nodes:
        if isinstance(node, ast.Import):
            deps.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("sklweights"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                deps.add(sub if sub in modules else target)
    return {d for d in deps if d in modules and d != name}


def test_no_import_cycle_between_modules():
    modules = set(_modules())
    graph = {
        _module_name(p): _module_level_imports(p, modules) for p in ROOT.rglob("*.py")
    }
    # a package's __init__ re-exports its children: drop child -> own parent
    # edges (importing a child runs its parent's __init__ first anyway)
    for mod, deps in graph.items():
        deps -= {d for d in deps if mod.startswith(d + ".")}
    state, stack = {}, []

    def visit(mod):
        state[mod] = "open"
        stack.append(mod)
        for dep in sorted(graph.get(mod, ())):
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep) :] + [dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[mod] = "done"

    for mod in sorted(graph):
        if mod not in state:
            visit(mod)


@pytest.mark.parametrize("seed", [0])
def test_every_module_imports_first_in_a_fresh_interpreter(seed):
    # each module imported in shuffled order, each with the package unloaded
    code = (
        "import importlib, random, sys\n"
        f"mods = {_modules()!r}\n"
        f"random.Random({seed}).shuffle(mods)\n"
        "for m in mods:\n"
        "    for k in [k for k in sys.modules if k.split('.')[0] == 'sklweights']:\n"
        "        del sys.modules[k]\n"
        "    importlib.import_module(m)\n"
        "print(len(mods))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(out.stdout.split()[-1]) == len(_modules())
