"""``/api/openapi.json``: a valid OpenAPI document that covers every JSON route of the app.

A new route under ``/api/`` without an operation in :mod:`geoinsight.web.openapi_spec` fails
``test_every_api_route_is_documented``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from web.tiers import HIDDEN

from geoinsight.web.openapi import api_routes, openapi_path
from geoinsight.web.openapi_spec import build_document

_METHODS = {"get", "post", "put", "patch", "delete"}


def document(app: Flask, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = app.test_client().get("/api/openapi.json", headers=headers or {})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "Authorization" in response.headers.get("Vary", "")
    body: dict[str, Any] = response.get_json()
    return body


def served(app: Flask) -> set[tuple[str, str]]:
    """Every (OpenAPI path, method) of the app under /api/ and /healthz, read off url_map."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            found |= {(path, m.lower()) for m in rule.methods or () if m.lower() in _METHODS}
    return found


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, ops in doc["paths"].items() for method in ops
            if method in _METHODS}


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


@pytest.fixture
def beheerder(token_for: Callable[[str, str], dict[str, str]]) -> dict[str, str]:
    return token_for("doc-beheerder", "beheerder")


def test_document_is_valid_openapi(app: Flask, beheerder: dict[str, str]) -> None:
    for doc in (document(app), document(app, beheerder)):
        assert doc["openapi"].startswith("3.0.")
        schemathesis.openapi.from_dict(doc).validate()  # against the OpenAPI 3.0 meta-schema
        for ref in set(refs(doc)):
            assert resolve(doc, ref) is not None, ref
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                params = [resolve(doc, p["$ref"]) if "$ref" in p else p
                          for p in op["parameters"]]
                in_path = {p["name"] for p in params if p["in"] == "path"}
                assert in_path == set(re.findall(r"{(\w+)}", path)), (method, path)
                for status, answer in op["responses"].items():
                    if status.startswith(("4", "5")):
                        answer = resolve(doc, answer["$ref"])
                        schema = answer["content"]["application/json"]["schema"]
                        assert schema == {"$ref": "#/components/schemas/Error"}


def test_every_api_route_is_documented(app: Flask, beheerder: dict[str, str]) -> None:
    routes = served(app)
    assert {("/api/layers", "get"), ("/healthz", "get"), ("/api/openapi.json", "get"),
            ("/api/export/{layers}", "get")} <= routes
    doc = document(app, beheerder)
    missing = routes - documented(doc)
    assert not missing, f"routes without an operation in geoinsight/web/openapi_spec.py: {missing}"
    assert documented(doc) <= routes  # never an operation the app does not serve
    assert api_routes(app) == routes


def test_parameters_have_their_real_constraints(app: Flask) -> None:
    params = document(app)["components"]["parameters"]
    assert params["Level"]["schema"]["enum"] == ["gemeente", "wijk", "buurt"]
    assert params["Municipality"]["schema"]["pattern"] == "^GM[0-9]{4}$"
    assert (params["Year"]["schema"]["minimum"], params["Year"]["schema"]["maximum"]) == (
        1900, 2100)
    assert "population" in params["LayerId"]["schema"]["enum"]
    values = document(app)["paths"]["/api/layers/{layer_id}/values"]["get"]
    formats = [p for p in values["parameters"] if p.get("name") == "format"]
    assert formats[0]["schema"]["enum"] == ["json", "csv"]


def test_hidden_layers_are_not_in_the_document(tiered_app: Flask,
                                               token_for: Callable[[str, str], dict[str, str]]
                                               ) -> None:
    anonymous = document(tiered_app)
    text = tiered_app.test_client().get("/api/openapi.json").get_data(as_text=True)
    for hidden in (*HIDDEN, "events_total"):
        assert hidden not in text
    assert "/api/audit" not in anonymous["paths"]  # beheerders only: others get a 404
    staff = document(tiered_app, token_for("doc-staff", "staff"))
    assert "zz_internal_layer" in staff["components"]["parameters"]["LayerId"]["schema"]["enum"]
    assert "zz_restricted_layer" not in str(staff)
    full = document(tiered_app, token_for("doc-beheerder", "beheerder"))
    assert set(HIDDEN) <= set(full["components"]["parameters"]["LayerId"]["schema"]["enum"])
    assert "/api/audit" in full["paths"]


def test_unserved_operations_are_left_out() -> None:
    everything = build_document(version="0", layer_ids=["a"], schemes={}, beheerder=True)
    assert {"/api/aggregate", "/api/audit", "/api/export/{layers}"} <= set(everything["paths"])
    served_only = build_document(version="0", layer_ids=[], schemes={}, beheerder=False,
                                 routed={("/healthz", "get")})
    assert list(served_only["paths"]) == ["/healthz"]
    assert served_only["components"]["parameters"]["LayerId"]["schema"] == {"type": "string"}


def test_openapi_path() -> None:
    assert openapi_path("/api/layers/<layer_id>/values") == "/api/layers/{layer_id}/values"
    assert openapi_path("/files/<path:name>") == "/files/{name}"
