"""Structured access logs: one JSON line per request, with no cookie or token in it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from geoinsight.settings import Settings
from geoinsight.web import access_log, create_app

FIELDS = {"time", "method", "path", "query", "status", "bytes", "duration_ms", "remote_addr",
          "user", "request_id"}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_line_per_request_without_secrets(
        demo_settings: Settings, tmp_path: Path,
        token_for: Callable[[str, str], dict[str, str]]) -> None:
    log = tmp_path / "access.log"
    app = create_app(replace(demo_settings, access_log=str(log)))
    app.config["TESTING"] = True
    auth = token_for("analist", "analist")
    client = app.test_client()
    client.set_cookie("session", "cookie-value-that-must-not-be-logged")
    response = client.get("/api/layers?lang=en", headers=auth)
    assert response.status_code == 200
    client.get("/nope", headers={"Accept": "application/json"})

    text = log.read_text(encoding="utf-8")
    assert auth["Authorization"].split()[1] not in text
    assert "cookie-value-that-must-not-be-logged" not in text
    first, second = _lines(log)
    assert set(first) == FIELDS
    assert (first["method"], first["path"], first["query"]) == ("GET", "/api/layers", "lang=en")
    assert first["status"] == 200 and first["bytes"] == len(response.get_data())
    assert first["user"] == "analist" and first["remote_addr"] == "127.0.0.1"
    assert first["duration_ms"] >= 0 and first["time"].endswith("Z")
    assert first["request_id"] == response.headers["X-Request-ID"]
    assert (second["status"], second["user"]) == (404, "anonymous")
    assert second["request_id"] != first["request_id"]


def test_client_address_and_request_id_through_a_trusted_proxy(
        demo_settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    proxied = create_app(replace(demo_settings, access_log=str(log), trusted_proxies=1))
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "proxy-abc.123"}
    proxied.test_client().get("/api/layers", headers=headers)
    direct = create_app(replace(demo_settings, access_log=str(log)))
    direct.test_client().get("/api/layers", headers=headers)
    behind, alone = _lines(log)
    assert (behind["remote_addr"], behind["request_id"]) == ("203.0.113.7", "proxy-abc.123")
    # without a trusted proxy both headers are the client's own claims: neither is believed
    assert alone["remote_addr"] == "127.0.0.1" and alone["request_id"] != "proxy-abc.123"


def test_off_writes_nothing(demo_settings: Settings, capsys: Any) -> None:
    app = create_app(replace(demo_settings, access_log="off"))
    app.test_client().get("/api/layers")
    assert capsys.readouterr().err == ""
    app = create_app(demo_settings)  # default: stderr
    app.test_client().get("/api/layers")
    assert json.loads(capsys.readouterr().err)["path"] == "/api/layers"


def test_a_rotated_log_is_opened_again(demo_settings: Settings, tmp_path: Path,
                                       monkeypatch: Any) -> None:
    monkeypatch.setattr(access_log, "REOPEN_CHECK_S", 0.0)
    log = tmp_path / "access.log"
    client = create_app(replace(demo_settings, access_log=str(log))).test_client()
    client.get("/api/layers")
    log.rename(tmp_path / "access.log.1")  # what logrotate does, without telling the server
    client.get("/api/layers?lang=en")
    client.get("/api/layers?lang=nl")
    assert [x["query"] for x in _lines(tmp_path / "access.log.1")] == [""]
    assert [x["query"] for x in _lines(log)] == ["lang=en", "lang=nl"]


def test_request_ids_differ_in_a_forked_child() -> None:
    ids = access_log.RequestIds()
    before = ids.next()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its ids must not repeat the parent's
        os.write(write, ids.next().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    parent = ids.next()
    assert len({before, child, parent}) == 3
    assert child[:16] != parent[:16] and parent[:16] == before[:16]
