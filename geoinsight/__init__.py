"""GeoInsight: neighbourhood insight for Dutch municipalities."""

from geoinsight.resources import CHECKOUT

__version__ = "0.1.0"

#: The repository root, for tests and scripts run from a checkout. The package itself finds
#: its layers, templates, static files and demo data through :mod:`geoinsight.resources`, which
#: also works from an installed wheel.
PROJECT_ROOT = CHECKOUT
