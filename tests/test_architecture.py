"""The package's shape: its imports, read from the source (AST), form no cycle."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "geoinsight"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports, anywhere in the file (a function-level import is
    a dependency too), each resolved to the most specific module it names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    names = set(known)
    return {name: imports(name, path, names) for name, path in known.items()}


def test_the_graph_is_read() -> None:
    edges = graph()
    assert "geoinsight.ingest.tables" in edges["geoinsight.ingest"]
    assert "geoinsight.errors" in edges["geoinsight.ingest.tables"]


def test_no_import_cycle() -> None:
    """A package may re-export its modules (``geoinsight.ingest``): a module that imports
    ``geoinsight.ingest.common`` depends on that module, not on the package."""
    edges = graph()
    try:
        tuple(TopologicalSorter(edges).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None



#: the foundation every part may use: shared records, errors, settings, CRS, units, texts, and
#: where the resource folders are (layers, templates, static, demo: a checkout's or a wheel's)
FOUNDATION = {"geoinsight", "geoinsight.records", "geoinsight.errors", "geoinsight.settings",
              "geoinsight.crs", "geoinsight.units", "geoinsight.i18n", "geoinsight.resources"}


def outside(edges: dict[str, set[str]], part: str, allowed: set[str]) -> list[str]:
    """Imports of modules in ``part`` that reach neither ``part`` nor ``allowed``."""
    inside = {m for m in edges if m == part or m.startswith(part + ".")}
    return sorted(f"{m} -> {d}" for m in inside for d in edges[m]
                  if d not in inside and d not in allowed)


def test_sources_only_read_files() -> None:
    """Readers of raw files know nothing of the registry, the store or anything above."""
    assert outside(graph(), "geoinsight.sources", FOUNDATION) == []


def test_the_store_imports_nothing_above_it() -> None:
    """The store keeps what it is given: no disclosure control, catalogue or web in it."""
    allowed = FOUNDATION | {"geoinsight.registers", "geoinsight.rasters"}
    assert outside(graph(), "geoinsight.store", allowed) == []


def test_only_the_web_imports_the_web() -> None:
    """The core returns data; HTTP lives in geoinsight.web (the CLI's ``serve`` starts it)."""
    edges = graph()
    assert sorted(f"{m} -> {d}" for m, deps in edges.items()
                  if not m.startswith("geoinsight.web") and m != "geoinsight.cli"
                  for d in deps if d.startswith("geoinsight.web")) == []




def test_no_view_imports_the_store() -> None:
    """Views parse, call, respond: they reach data through the request's gate only, never the
    store or the published store themselves."""
    edges = graph()
    views = [m for m in edges if m.startswith("geoinsight.web.")]
    assert views
    found = sorted(f"{m} -> {d}" for m in views for d in edges[m]
                   if d.startswith(("geoinsight.store", "geoinsight.privacy.disclosure")))
    assert found == []


def test_no_view_reaches_behind_the_gate() -> None:
    """Only the request context builds a gate; no view reads the gates' store attribute."""
    behind = []
    for path in sorted((PACKAGE / "web").glob("*.py")):
        if path.name in ("context.py", "__init__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("gates", "published",
                                                                 "_store", "store"):
                behind.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert behind == []


#: the parts of the package, in the order data flows through them: a part may import the
#: foundation and the parts before it, never one after it. Parts on one line are one step.
LAYERS: list[tuple[str, ...]] = [
    ("geoinsight.sources", "geoinsight.uploads"),            # read raw files, bounded
    ("geoinsight.render",),                                  # classes, palettes, map pages
    ("geoinsight.catalog", "geoinsight.registers",           # what indicators and layers are
     "geoinsight.rasters"),
    ("geoinsight.store",),                                   # keeps what it is given
    ("geoinsight.spatial",),                                 # geometry operations over the store
    ("geoinsight.analysis",),                                # placement, statistics
    ("geoinsight.ingest",),                                  # files into the store
    ("geoinsight.privacy",),                                 # what a request may see
    ("geoinsight.area_input",),                              # a caller's own area, checked
    ("geoinsight.usecases",),                                # what a user asks, as plain data
    ("geoinsight.export",),                                  # files of published figures
    ("geoinsight.ogc",),                                     # OGC API documents
    ("geoinsight.web",),                                     # HTTP
]


def step_of(module: str) -> int | None:
    return next((i for i, parts in enumerate(LAYERS)
                 for p in parts if module == p or module.startswith(p + ".")), None)


def test_data_flows_one_way() -> None:
    """Files -> catalogue -> store -> analysis -> ingest -> privacy -> use cases -> exports, OGC ->
    web: no part imports a part further along."""
    edges = graph()
    upward = sorted(f"{m} -> {d}" for m, deps in edges.items() for d in deps
                    if (sm := step_of(m)) is not None and (sd := step_of(d)) is not None
                    and sd > sm)
    assert upward == []


def test_every_module_has_its_place() -> None:
    """A new module belongs to the foundation, a step of the flow, or the entry points."""
    entry = {"geoinsight.cli", "geoinsight.demo"}
    assert sorted(m for m in graph() if m not in FOUNDATION and m not in entry
                  and step_of(m) is None) == []


def test_the_package_has_the_shape_of_its_data_flow() -> None:
    """Flat top-level modules are the foundation and the entry points; the rest are packages."""
    flat = {f"geoinsight.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert sorted(flat - FOUNDATION) == ["geoinsight.area_input", "geoinsight.cli",
                                         "geoinsight.demo", "geoinsight.rasters",
                                         "geoinsight.registers"]
