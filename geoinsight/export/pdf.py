"""A page made into a PDF (the area report), with WeasyPrint (https://weasyprint.org), offline.

WeasyPrint lays out the very HTML and CSS the browser prints (``@media print`` included) with
Pango. It may read only this server's own static files: every other URL a page names is
refused, so making a PDF never reaches the network. WeasyPrint needs Pango (Debian:
``libpango-1.0-0``, ``libpangoft2-1.0-0``); without it :func:`html_to_pdf` raises
:class:`PdfUnavailable`, and the page itself still prints from the browser.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from geoinsight.errors import GeoInsightError


class PdfUnavailable(GeoInsightError):
    status = 503
    code = "pdf_unavailable"


def html_to_pdf(html: str, static_url: str, static_dir: Path) -> bytes:
    """``html`` as a PDF; URLs under ``static_url`` are read from ``static_dir``."""
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise PdfUnavailable(f"cannot make a PDF here: {exc}") from None
    prefix = static_url.rstrip("/") + "/"
    root = static_dir.resolve()

    class StaticOnly(URLFetcher):
        """Answers this server's static files from disk and refuses every other URL."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = url.split("?", 1)[0]
            if "://" in path:
                path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
            target = (root / path[len(prefix):]).resolve() if path.startswith(prefix) else None
            if target is None or root not in target.parents or not target.is_file():
                raise ValueError(f"a report reads only this server's static files, not {url}")
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=target.read_bytes(),
                                      headers={"Content-Type": kind})

    document = weasyprint.HTML(string=html, url_fetcher=StaticOnly(),
                               base_url="http://localhost/")
    return bytes(document.write_pdf())
