"""Property-based run of every documented operation against the in-process app (schemathesis).

Each operation gets its documented examples, schemathesis' coverage cases (boundary values,
missing and wrong-typed parameters, unexpected methods) and a bounded number of generated
requests, valid and invalid ones, from a fixed seed: the same requests on every run, and no
network (the WSGI app is called in-process). Every answer of ``/api/openapi.json``'s operations
must be no server error, a documented status with a documented content type, and a body that
matches the documented schema. It runs as anonymous and as a beheerder (who also sees the
restricted layers and the audit route). The OGC API's own document (``/ogc/api``) is fuzzed
too, for server errors, undocumented statuses and bodies that break its schemas.

This drives schemathesis' engine (what ``schemathesis run`` does) rather than its pytest
plugin: the plugin's fixture-based loader does not work with pytest 9 (it sets
``node._nodeid``), and the engine runs the coverage phase as well.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis.engine import Status, events, from_schema

from geoinsight.privacy.accounts import open_accounts
from geoinsight.settings import Settings, load_settings
from geoinsight.web import create_app

SEED = 20_250_501
EXAMPLES_PER_OPERATION = 15
#: Operations where every valid request computes a lot (signals of every layer, with
#: permutation tests; an overlay of every layer; a profile of every layer with its trends) get
#: fewer generated requests and no coverage phase: its many valid variants of the query string
#: (each lang and year boundary) would take most of the run, and they parse their parameters
#: with the same code as the cheaper routes, which do get the coverage phase.
HEAVY = ("/api/signals", "/api/aggregate", "/api/areas/{code}")
HEAVY_EXAMPLES = 8
#: The OGC API has the same operations for every collection: a few requests each suffice.
OGC_EXAMPLES = 5
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance")
#: /ogc answers f=html errors as HTML pages, which its document does not list (yet)
OGC_CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance")


def _config(checks: tuple[str, ...] = CHECKS, examples: int = EXAMPLES_PER_OPERATION,
            **extra: Any) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "workers": 1,
        "generation": {"mode": "all", "max-examples": examples, "deterministic": True,
                       "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
        # the werkzeug test client does not undo Content-Encoding: ask for plain bodies
        "headers": {"Accept-Encoding": "identity"},
        "operations": [
            {"include-path": path, "generation": {"max-examples": HEAVY_EXAMPLES},
             "phases": {"coverage": {"enabled": False}}}
            for path in HEAVY],
        **extra,
    })


def fuzz(schema: schemathesis.BaseSchema) -> tuple[list[str], int]:
    """Run every operation of ``schema``: the problems found, and the number of requests."""
    problems: list[str] = []
    requests = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            requests += len(event.recorder.interactions)
            if event.status in (Status.FAILURE, Status.ERROR):
                problems += _failures(event)
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label}: error {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    return problems, requests


def _failures(event: events.ScenarioFinished) -> list[str]:
    found = []
    for checks in event.recorder.checks.values():
        for check in checks:
            if check.failure_info is not None:
                failure = check.failure_info.failure
                found.append(f"{event.recorder.label} [{event.phase.value}]: {failure.title}: "
                             f"{failure.message}\n    {check.failure_info.code_sample}")
    return found or [f"{event.recorder.label} [{event.phase.value}]: {event.status.value}"]


def _assert_clean(schema: schemathesis.BaseSchema) -> None:
    problems, requests = fuzz(schema)
    assert requests > 100
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(dict.fromkeys(problems))


@pytest.fixture(scope="module")
def fuzz_settings(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo store, shared by this module's runs (so computed signals are reused)."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("fuzz") / "instance",
                             basemap="none")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_file, settings.store_path)
    return settings


@pytest.fixture(scope="module")
def fuzz_app(fuzz_settings: Settings) -> Iterator[Flask]:
    app = create_app(fuzz_settings)
    app.config["TESTING"] = True
    yield app


@pytest.fixture(scope="module")
def beheerder_token(fuzz_settings: Settings) -> str:
    accounts = open_accounts(fuzz_settings)
    accounts.add_user("fuzz-beheerder", ["beheerder"], "a long enough password")
    return accounts.new_token("fuzz-beheerder")


def _as_beheerder(path: str, app: Flask, token: str, **options: Any) -> schemathesis.BaseSchema:
    config = _config(auth={"openapi": {"bearerAuth": {"bearer": token}}}, **options)
    return schemathesis.openapi.from_wsgi(path, app, config=config,
                                          headers={"Authorization": f"Bearer {token}"})


def test_api_as_anonymous(fuzz_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app, config=_config())
    assert "/api/audit" not in schema.raw_schema["paths"]
    _assert_clean(schema)


def test_api_as_beheerder(fuzz_app: Flask, beheerder_token: str) -> None:
    schema = _as_beheerder("/api/openapi.json", fuzz_app, beheerder_token)
    assert "/api/audit" in schema.raw_schema["paths"]
    layers = schema.raw_schema["components"]["parameters"]["LayerId"]["schema"]["enum"]
    assert "events_total" in layers  # a restricted layer of the demo
    _assert_clean(schema)


def test_ogc_api(fuzz_app: Flask, beheerder_token: str) -> None:
    if not any(rule.rule == "/ogc/api" for rule in fuzz_app.url_map.iter_rules()):
        pytest.skip("no OGC API in this app")
    # as a beheerder: every layer is a queryable column of the collections
    _assert_clean(_as_beheerder("/ogc/api", fuzz_app, beheerder_token, checks=OGC_CHECKS,
                                examples=OGC_EXAMPLES))
