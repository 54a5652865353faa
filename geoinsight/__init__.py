"""GeoInsight: neighbourhood insight for Dutch municipalities."""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root. Layers, templates, static files and the demo data live beside the
#: package (see DESIGN.md), so GeoInsight is installed editable (``pip install -e .``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
