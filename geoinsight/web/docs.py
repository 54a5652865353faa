"""The documentation, served by the server itself (``/docs/<name>``): a layer's "about" page
links to the method it follows, and a municipal network may not reach the repository.

The Markdown files of ``docs/`` are rendered once per process (Python-Markdown, with tables,
fenced code and heading anchors); links between them (``api.md#…``) and their images
(``img/…``) resolve under ``/docs/``. The documentation is written in English, so these pages
are English throughout.
"""

from __future__ import annotations

import re
from functools import cache

import markdown
from flask import Blueprint, g, render_template, send_from_directory
from markupsafe import Markup
from werkzeug.wrappers import Response

from geoinsight.errors import NotFound
from geoinsight.resources import resource_dir

bp = Blueprint("docs", __name__)

_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_IMAGE = re.compile(r"[a-z0-9_-]+\.png")


@bp.get("/docs/<name>")
def doc(name: str) -> str:
    name = name.removesuffix(".md")
    path = resource_dir("docs") / f"{name}.md"
    if not _NAME.fullmatch(name) or not path.is_file():
        raise NotFound(f"no document {name!r}", code="unknown_document")
    g.lang = "en"
    title, body = _rendered(name)
    return render_template("pages/doc.html", title=title, body=Markup(body))


@bp.get("/docs/img/<name>")
def image(name: str) -> Response:
    if not _IMAGE.fullmatch(name):
        raise NotFound(f"no image {name!r}", code="unknown_document")
    return send_from_directory(resource_dir("docs") / "img", name, max_age=3600)


@cache
def _rendered(name: str) -> tuple[str, str]:
    text = (resource_dir("docs") / f"{name}.md").read_text(encoding="utf-8")
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "toc"],
                             output_format="html")
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return (heading.group(1).strip() if heading else name), html
