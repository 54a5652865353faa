"""Where the folders GeoInsight reads beside its code are: layers, planning schemes, static
files, templates, the demo data and the province outlines.

In the repository they are top-level folders (``layers/``, ``data/demo/``, …), where tests,
scripts and docs name them, and an editable install reads them there. A wheel carries copies
inside the package, under ``geoinsight/_resources/`` (``setup.py`` copies :data:`FOLDERS` at
build time). The bundled copy wins when there is one: only a built package has it.

This module imports nothing of the package: ``setup.py`` loads it from its file.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root when the package runs from a checkout (editable install, source tree).
CHECKOUT = PACKAGE_DIR.parent
#: The folder of the package a wheel's build copies the resource folders into.
BUNDLED_NAME = "_resources"

#: Each resource folder, by name, relative to the repository root (and to the bundled folder).
FOLDERS: dict[str, str] = {
    "layers": "layers",
    "planning": "planning",
    "static": "static",
    "templates": "templates",
    "demo": "data/demo",
    "regions": "data/regions",
    "docs": "docs",
}


def resource_dir(name: str) -> Path:
    """The folder of resource ``name`` (a key of :data:`FOLDERS`): bundled, else the checkout's."""
    relative = FOLDERS[name]
    bundled = PACKAGE_DIR / BUNDLED_NAME / relative
    return bundled if bundled.is_dir() else CHECKOUT / relative
