"""The layout of nnlib (issue 24): the library at the top, its data layer in nnlib/data/, the
runner in nnlib/runner/, the book's machinery in nnlib/book/; imports only point down, no circle,
no long library function, and every folder says what it holds."""
import ast
from pathlib import Path

import nnlib

NNLIB = Path(nnlib.__file__).resolve().parent
LAYERS = {"library": 0, "data": 0, "runner": 1, "book": 2}


def layer(module: str) -> str:
    head = module.split(".")[0]
    return head if head in ("data", "runner", "book") else "library"


def imports() -> dict[str, set[str]]:
    """{module: nnlib modules it imports, at import time or inside a function}, dotted under nnlib."""
    graph = {}
    for path in sorted(NNLIB.rglob("*.py")):
        parts = path.relative_to(NNLIB).with_suffix("").parts
        name, pkg = ".".join(parts), list(parts[:-1])
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = pkg[:len(pkg) - (node.level - 1)]
            elif (node.module or "").split(".")[0] == "nnlib":
                base = []
            else:
                continue
            mod = ".".join(base + ([m for m in (node.module or "").split(".") if m and m != "nnlib"]))
            for alias in node.names:
                full = f"{mod}.{alias.name}" if mod else alias.name
                is_module = (NNLIB / (full.replace(".", "/") + ".py")).exists() or (NNLIB / full.replace(".", "/")).is_dir()
                found.add(full if is_module else mod)
        graph[name] = {m for m in found if m and m != name}
    return graph


def test_imports_only_point_down():
    upward = [(m, t) for m, ts in imports().items() for t in ts if LAYERS[layer(t)] > LAYERS[layer(m)]]
    assert not upward, upward


def test_no_import_circle():
    graph = {m: {t if t in imports_cache() else t + ".__init__" for t in ts} for m, ts in imports_cache().items()}
    graph = {m: {t for t in ts if t in graph and not t.endswith("__init__")} for m, ts in graph.items()
             if not m.endswith("__init__")}
    done, circles = set(), []

    def visit(m, stack):
        for t in sorted(graph.get(m, ())):
            if t in stack:
                circles.append(stack[stack.index(t):] + [t])
            elif t not in done:
                visit(t, stack + [t])
        done.add(m)

    for m in sorted(graph):
        if m not in done:
            visit(m, [m])
    assert not circles, circles[:3]


_CACHE = {}


def imports_cache():
    if not _CACHE:
        _CACHE.update(imports())
    return _CACHE


def test_library_functions_are_short():
    long = []
    for path in [*NNLIB.glob("*.py"), *(NNLIB / "data").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                long.append(f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long


def test_every_folder_says_what_it_holds():
    for folder in ("data", "runner", "book"):
        doc = ast.get_docstring(ast.parse((NNLIB / folder / "__init__.py").read_text()))
        assert doc and len(doc.splitlines()) == 2, f"nnlib/{folder}/__init__.py"


def test_the_public_api_stays():
    for name in ("MLP", "RNN", "RecursiveNet", "UntiedRNN", "load_model", "save_model", "SGD", "Adam", "History"):
        assert hasattr(nnlib, name), name
    from nnlib import data
    assert callable(data.load) and callable(data.fetch) and callable(data.column_windows)
