"""Anonymous replay: the app's own answer, replayed byte for byte to the next anonymous request
like it while the store is unchanged, never to anyone signed in, never a personal answer."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from flask import Flask

from geoinsight.settings import Settings
from geoinsight.web import create_app
from geoinsight.web.access_log import AccessLog
from geoinsight.web.replay import REPLAYABLE, AnonymousReplay

AREAS = "/api/areas?level=buurt&municipality=GM0503&year=2023"


class Inner:
    """A WSGI app that counts its calls and answers what it is told to."""

    def __init__(self, status: str = "200 OK", replayable: bool = True,
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.calls = 0
        self.status, self.replayable, self.headers = status, replayable, headers
        self.version = ["v1"]  # the store's version, as the app reads it

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.calls += 1
        if self.replayable:
            environ[REPLAYABLE] = self.version[0]
        body = f"answer {self.calls} to {environ['QUERY_STRING']}".encode()
        start_response(self.status, [("Content-Type", "text/plain"), *self.headers,
                                     ("X-Request-ID", f"inner-{self.calls}")])
        return [body]


def _get(app: AnonymousReplay, query: str = "a=1", **headers: str) -> tuple[str, dict[str, str],
                                                                         bytes]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "QUERY_STRING": query,
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
               "REMOTE_ADDR": "192.0.2.1"}
    environ |= {"HTTP_" + k.upper(): v for k, v in headers.items()}
    seen: list[Any] = []
    body = b"".join(app(environ, lambda status, hdrs, *_: seen.append((status, hdrs))))
    status, hdrs = seen[0]
    return status, dict(hdrs), body


def _replay(inner: Inner, max_bytes: int = 1 << 20,
            log: AccessLog | None = None) -> AnonymousReplay:
    return AnonymousReplay(inner, lambda: inner.version[0], log, max_bytes,
                           trust_request_id=False)


def test_an_anonymous_answer_is_replayed_until_the_store_changes(tmp_path: Path) -> None:
    inner = Inner()
    log = tmp_path / "access.log"
    app = _replay(inner, log=AccessLog(log))
    first = _get(app)
    second = _get(app)
    assert inner.calls == 1
    assert second[0] == first[0] and second[2] == first[2] == b"answer 1 to a=1"
    assert {k: v for k, v in second[1].items() if k != "X-Request-ID"} == {
        k: v for k, v in first[1].items() if k != "X-Request-ID"}
    assert second[1]["X-Request-ID"] not in (first[1]["X-Request-ID"], "inner-1")
    line = json.loads(log.read_text().splitlines()[-1])
    assert (line["status"], line["user"], line["bytes"]) == (200, "anonymous", 15)
    assert (line["request_id"], line["remote_addr"]) == (second[1]["X-Request-ID"], "192.0.2.1")
    inner.version[0] = "v2"  # an ingest
    assert _get(app)[2] == b"answer 2 to a=1" and inner.calls == 2


@pytest.mark.parametrize("headers", [{"Cookie": "session=x"}, {"Authorization": "Bearer t"}])
def test_a_request_that_may_be_someone_is_never_replayed_nor_kept(
        headers: dict[str, str]) -> None:
    inner = Inner()
    app = _replay(inner)
    _get(app, **headers)
    _get(app, **headers)
    assert inner.calls == 2 and len(app) == 0


@pytest.mark.parametrize("inner", [Inner(replayable=False), Inner(status="404 NOT FOUND"),
                                   Inner(headers=(("Set-Cookie", "lang=en"),))],
                         ids=["not marked", "an error", "sets a cookie"])
def test_only_marked_whole_answers_are_replayed(inner: Inner) -> None:
    app = _replay(inner)
    _get(app)
    _get(app)
    assert inner.calls == 2


def test_every_header_but_the_request_id_tells_requests_apart() -> None:
    inner = Inner()
    app = _replay(inner)
    _get(app, accept_encoding="gzip")
    _get(app, accept_encoding="gzip", x_request_id="abc", x_forwarded_for="198.51.100.1")
    assert inner.calls == 1
    _get(app)  # no Accept-Encoding
    _get(app, accept_encoding="gzip", if_none_match='"e"')
    _get(app, "a=2", accept_encoding="gzip")
    assert inner.calls == 4


def test_memory_stays_within_its_bound_least_recently_used_first_out() -> None:
    inner = Inner()
    app = _replay(inner, max_bytes=3_500)  # room for three entries of about 1.1 kB
    for query in ("a=1", "a=2", "a=3", "a=1", "a=4"):
        _get(app, query)
    assert len(app) == 3 and inner.calls == 4
    _get(app, "a=1")  # used again before a=4 came: still there
    assert inner.calls == 4
    _get(app, "a=2")  # the least recently used went out
    assert inner.calls == 5
    off = _replay(Inner(), max_bytes=0)
    _get(off)
    assert len(off) == 0


# --- on the app itself ---------------------------------------------------------------------

def _replays(app: Flask) -> AnonymousReplay:
    replay: AnonymousReplay = app.extensions["geoinsight.replay"]
    return replay


def test_the_app_replays_its_cached_anonymous_answers_byte_for_byte(
        demo_settings: Settings) -> None:
    app = create_app(demo_settings)
    client = app.test_client()
    made = client.get(AREAS, headers={"Accept-Encoding": "gzip"})
    assert made.status_code == 200 and len(_replays(app)) == 1
    again = client.get(AREAS, headers={"Accept-Encoding": "gzip"})
    assert again.get_data() == made.get_data()
    kept = {k: v for k, v in made.headers.items() if k != "X-Request-ID"}
    assert {k: v for k, v in again.headers.items() if k != "X-Request-ID"} == kept
    assert again.headers["Content-Encoding"] == "gzip"
    assert "Cookie" in again.headers["Vary"] and "Cache-Control" in again.headers
    revalidated = client.get(AREAS, headers={"Accept-Encoding": "gzip",
                                             "If-None-Match": made.headers["ETag"]})
    assert revalidated.status_code == 304
    assert client.get(AREAS, headers={"Accept-Encoding": "gzip",
                                      "If-None-Match": made.headers["ETag"]}).status_code == 304


def test_the_app_never_replays_to_or_from_a_signed_in_caller(
        demo_settings: Settings, token_for: Callable[[str, str], dict[str, str]]) -> None:
    app = create_app(demo_settings)
    client = app.test_client()
    restricted = "/api/layers/events_total/values?level=buurt&municipality=GM0503"
    auth = token_for("ondermijning", "ondermijning")
    assert client.get(restricted, headers=auth).status_code == 200
    assert client.get(restricted, headers=auth).status_code == 200
    assert len(_replays(app)) == 0
    assert client.get(restricted).status_code == 404  # anonymous: no such layer
    assert client.get(restricted).status_code == 404


def test_a_language_switch_still_sets_its_cookie(demo_settings: Settings) -> None:
    client = create_app(demo_settings).test_client(use_cookies=False)
    for _ in range(2):
        answer = client.get("/api/layers/population_density/values?level=buurt"
                            "&municipality=GM0503&lang=en")
        assert answer.status_code == 200 and "lang=en" in answer.headers["Set-Cookie"]


def test_an_ingest_ends_the_replay(demo_settings: Settings, tmp_path: Path) -> None:
    app = create_app(replace(demo_settings, replay_memory_bytes=1 << 20))
    client = app.test_client()
    url = "/api/layers/population/values?level=buurt&municipality=GM0503"
    before = client.get(url).get_json()
    assert client.get(url).get_json() == before
    table = tmp_path / "population.csv"
    code = next(v["code"] for v in before["values"] if v.get("value") is not None)
    table.write_text(f"code,year,aantal_inwoners\n{code},{before['year']},123456\n")
    done = run_cli(demo_settings.data_dir, "ingest", "indicators", str(table),
                   database_url=demo_settings.database_url)
    assert done.returncode == 0, done.stderr
    after = client.get(url).get_json()
    # published as disclosure control rounds it
    assert abs(next(v["value"] for v in after["values"] if v["code"] == code) - 123456) <= 5
