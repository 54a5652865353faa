"""A posted or uploaded GeoJSON document, parsed with bounds on its size and its nesting.

Size is bounded before parsing (a body over the upload limit is a 413). Depth is measured
without recursion (:func:`depth`) before the document is walked, so the walk (Features in
collections, geometries in GeometryCollections) cannot run out of stack, and a document of
thousands of nested arrays is a clear 400 rather than a RecursionError.
"""

from __future__ import annotations

import json
from typing import Any

from geoinsight.errors import BadRequest
from geoinsight.uploads import TooLarge, UploadLimits


def parse_geojson(data: bytes, limits: UploadLimits) -> Any:
    """The JSON value of ``data`` (UTF-8, a BOM allowed); 413 when too large."""
    if len(data) > limits.max_bytes:
        raise TooLarge(f"the GeoJSON is larger than {limits.max_bytes:,} bytes")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the file is not valid GeoJSON: {exc}", code="bad_geojson") from None
    except RecursionError:  # the C parser's own guard, far deeper than any GeoJSON needs
        raise too_deep(limits.max_json_depth) from None
    return doc


def too_deep(limit: int) -> BadRequest:
    return BadRequest(f"the GeoJSON is nested too deeply: at most {limit} levels of arrays "
                      "and objects are accepted", code="bad_geojson")


def depth(value: Any, stop: int) -> int:
    """How deep arrays and objects nest in ``value`` (a scalar is 0), counted with an explicit
    stack; the count stops once it passes ``stop``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > stop:
            return deepest
        stack.extend((child, level + 1) for child in children
                     if isinstance(child, (dict, list)))
    return deepest
