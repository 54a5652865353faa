#!/usr/bin/env bash
# Install everything the tests need (Debian packages when missing, a virtualenv with the
# package and its test extras), lint, and run the whole test suite; then run again, on PostGIS,
# every test that reads the demo through the app (tests/conftest.py picks them). Extra arguments
# go to pytest, on both passes.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
# the PostGIS store's tests need the extension in the local PostgreSQL 15 cluster
[ -e /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
# the area report's PDF (WeasyPrint lays it out with Pango); its tests look at it with pdftoppm
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if ((${#need[@]})); then
  echo "installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
if command -v pg_lsclusters >/dev/null 2>&1 && [ -z "${GEOINSIGHT_TEST_DATABASE_URL:-}" ]; then
  # the tests create (and drop) a fresh database in the local cluster: make sure it runs
  pg_lsclusters -h | awk '$4 != "online" {print $1, $2}' | while read -r version cluster; do
    $sudo pg_ctlcluster "$version" "$cluster" start || true
  done
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
.venv/bin/ruff check geoinsight tests scripts
.venv/bin/mypy geoinsight
.venv/bin/python -m pytest "$@"
echo "the same tests that read the demo, now with the demo in PostGIS:"
# (exit code 5: none of the tests asked for reads the demo)
GEOINSIGHT_TEST_STORE=postgis .venv/bin/python -m pytest "$@" || [ $? -eq 5 ]
