"""The layer catalogue: ``layers/*.yaml`` read, checked and resolved to values.

A layer is configuration, not code, so everything a layer file can get wrong is reported as a
:class:`Problem` naming the file and the field, all at once, before the server starts. The
indicator of a layer may be an arithmetic expression over indicator ids; it is parsed with
:mod:`ast` into a small whitelist of nodes and computed with numpy, never evaluated as Python.
A layer may instead be a composite index (``composite:``) of such expressions; its arithmetic is
in :mod:`geoinsight.catalog.composite`.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import yaml

from geoinsight.catalog import composite as composites
from geoinsight.catalog.indicators import known
from geoinsight.errors import BadRequest, ConfigError, NotFound
from geoinsight.records import LEVELS, THEMES
from geoinsight.render.classify import VALID_STATUSES, palette_names
from geoinsight.resources import resource_dir
from geoinsight.units import unit_in

#: The schema travels with the catalogue (the ``layers`` resource folder); it describes what
#: this module can handle, so layer folders elsewhere are checked against the same one.
SCHEMA_PATH = resource_dir("layers") / "schema.json"
LAYER_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one layer file; ``field`` is a dotted path such as ``title.en``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: {self.message}"


class ExpressionError(ValueError):
    """An indicator expression outside the small arithmetic language layers may use."""


@dataclass(frozen=True)
class Layer:
    id: str
    title: dict[str, str] = field(hash=False)
    description: dict[str, str] = field(hash=False)
    indicator: str
    unit: str
    kind: str
    levels: tuple[str, ...]
    classification: dict = field(hash=False)
    palette: str
    reverse: bool
    tier: str
    source: str
    licence: str
    decimals: int | None
    higher_is: str
    path: Path
    #: (indicator, minimum): below it the figure is suppressed as secret
    base: tuple[str, float] | None = None
    #: a composite index instead of one expression; ``indicator`` then describes it in words
    composite: composites.Composite | None = field(default=None, hash=False)
    #: the theme the layer is grouped under (geoinsight.records.THEMES), if it has one
    theme: str | None = None
    #: the raster (``ingest raster --name``) whose figures the layer shows, if any: its
    #: source, licence and tier are the raster's (geoinsight.catalog.rasters)
    raster: str | None = None

    def unit_in(self, lang: str) -> str:
        """The unit as a page in ``lang`` shows it (:mod:`geoinsight.units`)."""
        return unit_in(self.unit, lang)

    def title_in(self, lang: str) -> str:
        """The title in ``lang``, falling back to Dutch, the language pages speak first."""
        return self.title.get(lang) or self.title["nl"]

    def description_in(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get("nl", "")

    def expressions(self) -> tuple[str, ...]:
        """The expressions the layer computes: its indicator, or each component of an index."""
        if self.composite is None:
            return (self.indicator,)
        return tuple(c.indicator for c in self.composite.components)

    def inputs(self) -> tuple[str, ...]:
        """Indicator ids the expression(s) use, in order of first appearance."""
        names = (n for e in self.expressions() for n in expression_inputs(parse_expression(e)))
        return tuple(dict.fromkeys(names))

    def reads(self) -> tuple[str, ...]:
        """Every indicator needed to show the layer: its inputs and its base."""
        extra = (self.base[0],) if self.base and self.base[0] not in self.inputs() else ()
        return (*self.inputs(), *extra)

    def as_dict(self) -> dict[str, Any]:
        """The public, JSON-ready description of the layer (no file system path)."""
        return {
            "id": self.id, "title": dict(self.title), "description": dict(self.description),
            "indicator": self.indicator, "inputs": list(self.inputs()), "unit": self.unit,
            "kind": self.kind, "levels": list(self.levels),
            "classification": dict(self.classification), "palette": self.palette,
            "reverse": self.reverse, "tier": self.tier, "source": self.source,
            "licence": self.licence, "decimals": self.decimals, "higher_is": self.higher_is,
            "composite": self.composite.as_dict() if self.composite else None,
            "theme": self.theme, "raster": self.raster,
        }


@dataclass(frozen=True)
class Catalog:
    layers: dict[str, Layer]

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", dict(sorted(self.layers.items())))

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers.values())

    def __len__(self) -> int:
        return len(self.layers)

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self.layers

    def get(self, layer_id: str) -> Layer:
        try:
            return self.layers[layer_id]
        except KeyError:
            raise NotFound(f"unknown layer {layer_id!r}", code="unknown_layer") from None

    def for_level(self, level: str) -> list[Layer]:
        """Layers offered at ``level``; an unknown level is the caller's mistake, not 'none'."""
        if level not in LEVELS:
            raise BadRequest(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}",
                             code="bad_level")
        return [layer for layer in self.layers.values() if level in layer.levels]


# --- expressions -------------------------------------------------------------------------------

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos,
}
_FOUND = {
    ast.Call: "a function call", ast.Attribute: "an attribute", ast.Subscript: "indexing",
    ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.Lambda: "a lambda",
    ast.IfExp: "if/else", ast.Pow: "the operator **", ast.FloorDiv: "the operator //",
    ast.Mod: "the operator %", ast.Tuple: "a tuple", ast.List: "a list",
}
_ALLOWED = "indicator ids, numbers, + - * / and parentheses"


def parse_expression(text: str) -> ast.expr:
    """Parse an indicator expression, refusing anything but arithmetic on names and numbers."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is not a valid expression ({exc.msg}); "
                              f"use {_ALLOWED}") from None
    _check_node(tree.body)
    return tree.body


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check_node(node.left)
        _check_node(node.right)
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        _check_node(node.operand)
    elif isinstance(node, ast.Name) or _is_number(node):
        return
    else:
        culprit = node.op if isinstance(node, ast.BinOp | ast.UnaryOp) else node
        found = _FOUND.get(type(culprit), type(culprit).__name__)
        raise ExpressionError(f"may only use {_ALLOWED}; found {found}")


def _is_number(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool))


def expression_inputs(node: ast.expr) -> tuple[str, ...]:
    """Names in order of position (ast.walk is breadth-first), each once."""
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
    names.sort(key=lambda n: (n.lineno, n.col_offset))
    return tuple(dict.fromkeys(n.id for n in names))


def _compute(node: ast.expr, columns: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    if isinstance(node, ast.Name):
        return columns[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return np.full(size, float(node.value))
    if isinstance(node, ast.UnaryOp):
        return np.asarray(_UNARY[type(node.op)](_compute(node.operand, columns, size)))
    if isinstance(node, ast.BinOp):
        left = _compute(node.left, columns, size)
        right = _compute(node.right, columns, size)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(_BINARY[type(node.op)](left, right), dtype=float)
    raise ExpressionError(f"may only use {_ALLOWED}")  # unreachable after parse_expression


# --- evaluation --------------------------------------------------------------------------------

VALUE_COLUMNS = ("code", "indicator", "value", "status")  # what evaluate() needs (no year)


def evaluate(layer: Layer, values: pd.DataFrame,
             groups: pd.Series | None = None) -> pd.DataFrame:
    """Resolve a layer to one value and status per area code, for one year.

    A composite index is normalised within ``groups`` (code -> group key, e.g. the gemeente;
    None: all codes in one group), over the areas of ``values``: pass every area of the
    reference set, and the published values (see geoinsight.catalog.composite and docs/methods.md).
    Where the layer has a ``base`` and the base is below its minimum (or unknown), the figure
    is suppressed: status ``secret`` ("te weinig waarnemingen"), no value.
    """
    if layer.composite is None:
        result = evaluate_expression(layer.indicator, values)
    else:
        parts = [evaluate_expression(e, values) for e in layer.expressions()]
        result = composites.combine(layer.composite, parts[0]["code"].to_numpy(), parts, groups)
    if layer.base is None:
        return result
    indicator, minimum = layer.base
    rows = values[values["indicator"] == indicator]
    base = pd.Series(pd.to_numeric(rows["value"], errors="coerce").to_numpy(),
                     index=rows["code"].to_numpy())
    base = base.where(rows["status"].isin(list(VALID_STATUSES)).to_numpy())
    small = ~(base.reindex(result["code"]).to_numpy() >= minimum)
    shown = result["status"].isin(list(VALID_STATUSES)).to_numpy()
    suppress = small & shown
    return result.assign(value=np.where(suppress, np.nan, result["value"]),
                         status=np.where(suppress, "secret", result["status"]))


def evaluate_expression(text: str, values: pd.DataFrame) -> pd.DataFrame:
    """Resolve an indicator id or expression to one value and status per area code.

    ``values`` is long-form (code, indicator, value, status). The status of the result is the
    most restrictive status of its inputs (secret > missing > estimated > ok), so a figure built
    from a suppressed one stays suppressed; a division by zero gives missing, not infinity.
    """
    missing_columns = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing_columns:
        raise ValueError(f"values lack columns {missing_columns}; expected {VALUE_COLUMNS}")
    expr = parse_expression(text)
    inputs = expression_inputs(expr)
    codes = np.asarray(sorted(pd.unique(values["code"])), dtype=object)
    wide_values, wide_status = _wide(values, inputs, codes)
    columns: dict[str, np.ndarray] = {}
    statuses: list[np.ndarray] = []
    for name in inputs:
        usable = np.isin(wide_status[name], list(VALID_STATUSES)) & np.isfinite(wide_values[name])
        columns[name] = np.where(usable, wide_values[name], np.nan)
        statuses.append(np.where(wide_status[name] == "secret", "secret",
                                 np.where(usable, wide_status[name], "missing")))
    status = _combine(statuses, len(codes))
    result = _compute(expr, columns, len(codes)) if len(codes) else np.array([], dtype=float)
    valid = np.isin(status, list(VALID_STATUSES))
    status = np.where(valid & ~np.isfinite(result), "missing", status)
    valid = np.isin(status, list(VALID_STATUSES))
    return pd.DataFrame({"code": codes, "value": np.where(valid, result, np.nan),
                         "status": status.astype(object)})


def _wide(values: pd.DataFrame, inputs: tuple[str, ...],
          codes: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per input, the value and status of every code; absent rows read as missing."""
    rows = values.loc[values["indicator"].isin(inputs), list(VALUE_COLUMNS)]
    duplicated = rows.duplicated(["code", "indicator"])
    if duplicated.any():
        first = rows.loc[duplicated].iloc[0]
        raise ValueError(f"several values for {first['code']} / {first['indicator']}; "
                         "evaluate() takes the values of one year")
    numbers = pd.to_numeric(rows["value"], errors="coerce")
    value_of = pd.Series(numbers.to_numpy(dtype=float),
                         index=pd.MultiIndex.from_arrays([rows["code"], rows["indicator"]]))
    status_of = pd.Series(rows["status"].to_numpy(dtype=object), index=value_of.index)
    wide_values: dict[str, np.ndarray] = {}
    wide_status: dict[str, np.ndarray] = {}
    for name in inputs:
        wanted = pd.MultiIndex.from_arrays([codes, np.full(len(codes), name, dtype=object)])
        wide_values[name] = value_of.reindex(wanted).to_numpy(dtype=float)
        wide_status[name] = status_of.reindex(wanted).fillna("missing").to_numpy(dtype=object)
    return wide_values, wide_status


def _combine(statuses: list[np.ndarray], size: int) -> np.ndarray:
    combined = np.full(size, "ok", dtype=object)
    for rank in ("estimated", "missing", "secret"):  # least to most restrictive
        for status in statuses:
            combined = np.where(status == rank, rank, combined)
    return combined


# --- validation --------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML silently keeps the last of two equal keys; a layer file should say it once."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key if isinstance(key, str) else id(key_node))
        return super().construct_mapping(node, deep=deep)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_dir(path: Path) -> list[Problem]:
    """Every problem in every layer file of ``path``, in file order."""
    return _scan(Path(path))[1]


def load_catalog(path: Path) -> Catalog:
    """The catalogue in ``path``; refuses to start on any invalid file."""
    documents, problems = _scan(Path(path))
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more; run `geoinsight layers validate`)" \
            if len(problems) > 1 else ""
        where = f"{first.field}: " if first.field else ""
        raise ConfigError(f"invalid layer file: {where}{first.message}{more}", path=first.file)
    return Catalog({doc["id"]: _layer(doc, file) for file, doc in documents})


def _scan(directory: Path) -> tuple[list[tuple[Path, dict[str, Any]]], list[Problem]]:
    if not directory.is_dir():
        return [], [Problem(str(directory), "", "is not a directory of layer files")]
    label = directory.resolve().name
    documents: list[tuple[Path, dict[str, Any]]] = []
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    files = sorted(p for p in directory.iterdir() if p.suffix in LAYER_SUFFIXES and p.is_file())
    for file in files:
        shown = f"{label}/{file.name}" if label else file.name
        doc, found = _check_file(file, shown)
        layer_id = doc.get("id") if doc is not None else None
        if isinstance(layer_id, str) and layer_id in owner:
            found.append(Problem(shown, "id", f"{layer_id!r} is already used by {owner[layer_id]}"))
        elif isinstance(layer_id, str):
            owner[layer_id] = shown
        problems.extend(found)
        if doc is not None and not found:
            documents.append((file, doc))
    return documents, problems


def _check_file(file: Path, shown: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        doc = yaml.load(file.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        return None, [Problem(shown, "", _yaml_message(exc))]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, "", f"cannot be read: {exc}")]
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"a {type(doc).__name__}"
        return None, [Problem(shown, "", f"is {kind}; expected a mapping of layer fields")]
    problems = _schema_problems(doc, shown) + _semantic_problems(doc, file, shown)
    return doc, problems


def _yaml_message(exc: yaml.YAMLError) -> str:
    """PyYAML reports where it noticed the fault; the context says where the construct began,
    which is usually the line to fix (an unclosed bracket, a bad indent)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    began = ""
    if context and context_mark is not None and mark is not None \
            and context_mark.line != mark.line:
        began = f" ({context} that starts at line {context_mark.line + 1})"
    return f"invalid YAML{where}: {problem}{began}"


def _schema_problems(doc: dict[str, Any], shown: str) -> list[Problem]:
    problems: list[Problem] = []
    for error in _validator().iter_errors(doc):
        where = [str(part) for part in error.absolute_path]
        for extra, message in _explain(error):
            problems.append(Problem(shown, ".".join([*where, *extra]), message))
    return sorted(problems, key=lambda p: (p.field, p.message))


_REQUIRED = {"indicator": "is required: an indicator id or expression, or instead a composite "
                          "index (composite:)"}
_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number",
               "object": "a mapping", "array": "a list", "boolean": "true or false"}


def _explain(error: jsonschema.ValidationError) -> list[tuple[list[str], str]]:
    """Plain-language messages; some errors belong to a child field rather than the parent."""
    kind, value, schema, instance = error.validator, error.validator_value, error.schema, \
        error.instance
    if kind == "required":
        missing = [p for p in value if p not in instance and repr(p) in error.message]
        hints = _REQUIRED if not error.absolute_path else {}  # top-level fields only
        return [([name], hints.get(name, "is required")) for name in missing[:1]]
    if kind == "additionalProperties":
        known = schema.get("properties", {})
        return [([str(name)], f"is not a known field; allowed: {', '.join(known)}")
                for name in instance if name not in known]
    return [([], _message(str(kind), value, schema, instance, error.message))]


def _message(kind: str, value: Any, schema: Any, instance: Any, default: str) -> str:
    if kind == "not" and isinstance(schema, dict) and "description" in schema:
        return str(schema["description"])
    if kind == "type":
        expected = " or ".join(_TYPE_NAMES.get(t, t) for t in np.atleast_1d(value))
        return f"must be {expected}, not {instance!r}"
    if kind in ("enum", "const"):
        options = ", ".join(map(str, value)) if kind == "enum" else str(value)
        return f"must be one of: {options} (not {instance!r})"
    if kind in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"must be from {low} to {high}, not {instance!r}"
        return f"must be {'at least' if kind == 'minimum' else 'at most'} {value}, not {instance!r}"
    if kind == "exclusiveMinimum":
        return f"must be more than {value}, not {instance!r}"
    if kind == "minItems":
        return f"must list at least {value} item{'s' if value != 1 else ''}"
    if kind == "maxItems":
        return f"must list at most {value} items"
    if kind == "uniqueItems":
        return "must not repeat an item"
    if kind == "minLength":
        return "must not be empty"
    if kind == "maxLength":
        return f"must be at most {value} characters"
    if kind == "pattern":
        hint = schema.get("description", f"the pattern {value}")
        return f"{instance!r} does not fit: {hint}"
    return default


def _semantic_problems(doc: dict[str, Any], file: Path, shown: str) -> list[Problem]:
    """What JSON Schema cannot check: id vs file name, the expression, palette, break order."""
    problems: list[Problem] = []
    layer_id = doc.get("id")
    if isinstance(layer_id, str) and layer_id != file.stem:
        problems.append(Problem(shown, "id", f"is {layer_id!r} but must equal the file name "
                                             f"stem {file.stem!r}"))
    indicator = doc.get("indicator")
    if isinstance(indicator, str) and indicator.strip():
        raster = doc.get("raster") if isinstance(doc.get("raster"), str) else None
        problems.extend(Problem(shown, "indicator", m)
                        for m in expression_problems(indicator, raster=raster))
    problems.extend(_component_problems(doc.get("composite"), shown))
    base = doc.get("base")
    if isinstance(base, dict) and isinstance(base.get("indicator"), str):
        problems.extend(Problem(shown, "base.indicator", m)
                        for m in expression_problems(base["indicator"]))
    palette = doc.get("palette")
    if isinstance(palette, str) and re.fullmatch(r"[A-Za-z]+", palette) \
            and palette not in palette_names():
        problems.append(Problem(shown, "palette", _unknown("palette", palette, palette_names())))
    classification = doc.get("classification")
    breaks = classification.get("breaks") if isinstance(classification, dict) else None
    if isinstance(breaks, list) and all(_is_plain_number(b) for b in breaks):
        problems.extend(Problem(shown, "classification.breaks", m) for m in _break_problems(breaks))
        if isinstance(classification, dict):
            problems.extend(_named_class_problems(classification, len(breaks), shown))
    return problems


def _component_problems(composite: object, shown: str) -> list[Problem]:
    """Each component of a composite index: its expression, and no component twice."""
    items = composite.get("components") if isinstance(composite, dict) else None
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        text = item.get("indicator") if isinstance(item, dict) else None
        if not (isinstance(text, str) and text.strip()):
            continue  # the schema reports it
        where = f"composite.components.{i}.indicator"
        problems.extend(Problem(shown, where, m) for m in expression_problems(text))
        normal = " ".join(text.split())
        if normal in seen:
            problems.append(Problem(shown, where, f"repeats component {seen[normal]}; "
                                                  "give that one a larger weight instead"))
        seen.setdefault(normal, i)
    return problems


def expression_problems(text: str, raster: str | None = None) -> list[str]:
    """Messages for an indicator expression: syntax and whitelist first, then unknown ids (the
    figures of ``raster``, a raster's name, are known: they exist once it is ingested)."""
    try:
        node = parse_expression(text)
    except ExpressionError as exc:
        return [str(exc)]
    names = expression_inputs(node)
    if not names:
        return ["must use at least one indicator id"]
    ids = known()
    if raster is not None:
        from geoinsight.rasters import is_figure_of

        names = tuple(name for name in names if not is_figure_of(raster, name))
    return [_unknown("indicator", name, ids) for name in names if name not in ids]


def _unknown(what: str, name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    if close:
        hint = f"; did you mean {close[0]!r}?"
    elif what == "palette":
        hint = "; use a sequential or diverging ColorBrewer name such as YlOrRd, PuBu or Greens"
    else:
        hint = ""
    source = " (see geoinsight/catalog/indicators.py)" if what == "indicator" else ""
    return f"unknown {what} {name!r}{source}{hint}"


def _is_plain_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _named_class_problems(classification: dict[str, Any], n: int,
                          shown: str) -> list[Problem]:
    """Names and colours of explicit classes: one per break."""
    problems = []
    for lang, names in (classification.get("labels") or {}).items():
        if isinstance(names, list) and len(names) != n:
            problems.append(Problem(shown, f"classification.labels.{lang}",
                                    f"needs {n} names, one per break, not {len(names)}"))
    colours = classification.get("colors")
    if isinstance(colours, list) and len(colours) != n:
        problems.append(Problem(shown, "classification.colors",
                                f"needs {n} colours, one per break, not {len(colours)}"))
    return problems


def _break_problems(breaks: list[float]) -> list[str]:
    for before, after in itertools.pairwise(breaks):
        if after <= before:
            return [f"must be strictly ascending; {after} follows {before}"]
    return []


def _layer(doc: dict[str, Any], file: Path) -> Layer:
    composite = composites.from_doc(doc["composite"]) if "composite" in doc else None
    indicator = composite.describe() if composite else " ".join(doc["indicator"].split())
    return Layer(
        id=doc["id"], title=dict(doc["title"]), description=dict(doc.get("description", {})),
        indicator=indicator, unit=doc["unit"], kind=doc["kind"],
        levels=tuple(doc["levels"]), classification=dict(doc["classification"]),
        palette=doc["palette"], reverse=bool(doc.get("reverse", False)),
        tier=doc["tier"], source=doc["source"], licence=doc["licence"],
        decimals=doc.get("decimals"), higher_is=doc.get("higher_is", "neutral"), path=file,
        base=(doc["base"]["indicator"], float(doc["base"]["min"])) if "base" in doc else None,
        composite=composite, theme=doc.get("theme"), raster=doc.get("raster"),
    )


def by_theme(layers: Iterable[Layer]) -> list[tuple[str, list[Layer]]]:
    """Layers grouped by theme, in the order of :data:`geoinsight.records.THEMES` (layers
    without one last, under ``""``); within a theme in the order given."""
    groups: dict[str, list[Layer]] = {}
    for layer in layers:
        groups.setdefault(layer.theme or "", []).append(layer)
    order = {theme: n for n, theme in enumerate(THEMES)}
    return sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))
