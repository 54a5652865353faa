"""Every export format, written as a stream of bytes so a large export never sits in memory.

CSV and GeoJSON are produced row by row. The binary formats (GeoPackage, GeoParquet, zipped
Shapefile, XLSX, GeoTIFF) are written by their own libraries into a temporary folder and then
read back in chunks; the folder is removed when the stream ends or is closed.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import shapely

from geoinsight.crs import STORE_CRS, WEB_CRS
from geoinsight.errors import BadRequest
from geoinsight.export.table import AreaTable

CHUNK = 1 << 16
ROWS_PER_CHUNK = 500
RD_NEW = "EPSG:28992"
CRS84 = "OGC:CRS84"


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    mimetype: str
    #: the CRS of the geometry in the file (None: no geometry)
    crs: str | None


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("gpkg", ".gpkg", "application/geopackage+sqlite3", RD_NEW),
    Format("geojson", ".geojson", "application/geo+json", CRS84),
    Format("csv", ".csv", "text/csv", None),
    Format("xlsx", ".xlsx",
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
    Format("parquet", ".parquet", "application/vnd.apache.parquet", RD_NEW),
    Format("shp", ".shp.zip", "application/zip", RD_NEW),
    Format("tif", ".tif", "image/tiff; application=geotiff", RD_NEW),
)}
ALIASES = {"geopackage": "gpkg", "json": "geojson", "excel": "xlsx", "geoparquet": "parquet",
           "shapefile": "shp", "zip": "shp", "tiff": "tif", "geotiff": "tif"}


def get_format(name: str) -> Format:
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {name!r}",
                         code="bad_format")
    return FORMATS[key]


def format_for_path(path: Path) -> Format:
    """The format a file name asks for (``.shp.zip`` and ``.zip`` are zipped Shapefiles)."""
    name = path.name.lower()
    for fmt in FORMATS.values():
        if name.endswith(fmt.suffix):
            return fmt
    for suffix, fmt_name in ((".zip", "shp"), (".tiff", "tif"), (".json", "geojson")):
        if name.endswith(suffix):
            return FORMATS[fmt_name]
    raise BadRequest(f"cannot tell the format from {path.name!r}: give --format "
                     f"({', '.join(FORMATS)})", code="bad_format")


def stream(table: AreaTable, meta: dict[str, Any], fmt: Format,
           cell_m: float = 100.0) -> Iterator[bytes]:
    """The export as chunks of bytes."""
    if fmt.name == "csv":
        return _csv(table)
    if fmt.name == "geojson":
        return _geojson(table, meta)
    writer: Callable[[AreaTable, dict[str, Any], Path], None]
    if fmt.name == "tif":
        from geoinsight.export.raster import write_geotiff

        def writer(t: AreaTable, m: dict[str, Any], p: Path) -> None:
            write_geotiff(t, m, p, cell_m)
    else:
        writer = _FILE_WRITERS[fmt.name]
    return _via_file(table, meta, fmt, writer)


def _csv(table: AreaTable) -> Iterator[bytes]:
    frame = table.attributes()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    for start in range(0, len(frame), ROWS_PER_CHUNK):
        part = frame.iloc[start:start + ROWS_PER_CHUNK]
        writer.writerows(_plain_rows(part))
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")
    if frame.empty:
        yield b""


def _plain_rows(frame: pd.DataFrame) -> Iterator[list[Any]]:
    """Rows with empty cells for no value and numbers written as Python writes them."""
    for row in frame.itertuples(index=False):
        yield ["" if _blank(v) else _number(v) for v in row]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _number(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if float(value).is_integer() else float(value)
    return value


def _geojson(table: AreaTable, meta: dict[str, Any]) -> Iterator[bytes]:
    """RFC 7946 GeoJSON (lon/lat), with the metadata as a foreign member."""
    frame = table.frame
    head = {"type": "FeatureCollection", "name": meta["title"], "metadata": meta}
    text = json.dumps(head, ensure_ascii=False)
    yield (text[:-1] + ', "features": [\n').encode("utf-8")
    attributes = table.attributes()
    columns = list(attributes.columns)
    for start in range(0, len(frame), ROWS_PER_CHUNK):
        # reprojected a chunk at a time: the whole table in lon/lat would be a second copy
        chunk = frame.geometry.iloc[start:start + ROWS_PER_CHUNK].to_crs(WEB_CRS)
        geoms = shapely.to_geojson(shapely.set_precision(chunk.to_numpy(), 1e-7))
        rows = _plain_rows(attributes.iloc[start:start + ROWS_PER_CHUNK])
        features = []
        for geom, row in zip(geoms, rows, strict=True):
            props = {c: (None if v == "" else v) for c, v in zip(columns, row, strict=True)}
            features.append(f'{{"type": "Feature", "id": {json.dumps(props["code"])}, '
                            f'"properties": {json.dumps(props, ensure_ascii=False)}, '
                            f'"geometry": {geom}}}')
        sep = ",\n" if start + ROWS_PER_CHUNK < len(frame) else "\n"
        yield (",\n".join(features) + sep).encode("utf-8")
    yield b"]}\n"


def _via_file(table: AreaTable, meta: dict[str, Any], fmt: Format,
              writer: Callable[[AreaTable, dict[str, Any], Path], None]) -> Iterator[bytes]:
    """Write the file now (so a failure is an error answer, not a broken download), then
    stream it; the file goes when the stream is read to the end or closed, even unread."""
    folder = Path(tempfile.mkdtemp(prefix="geoinsight-export-"))
    path = folder / f"export{fmt.suffix}"
    try:
        writer(table, meta, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return TemporaryFileStream(path, folder)


class TemporaryFileStream:
    """Chunks of a file in a temporary folder, removed at the end or on :meth:`close`
    (which WSGI servers call on every response body, also after a HEAD or a dropped client).
    """

    def __init__(self, path: Path, folder: Path) -> None:
        self._handle = path.open("rb")
        self._folder = folder

    def __iter__(self) -> TemporaryFileStream:
        return self

    def __next__(self) -> bytes:
        chunk = self._handle.read(CHUNK) if not self._handle.closed else b""
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        self._handle.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def _metadata_json(meta: dict[str, Any]) -> str:
    return json.dumps(meta, ensure_ascii=False, indent=2)


def _write_gpkg(table: AreaTable, meta: dict[str, Any], path: Path) -> None:
    """One layer, RD New; the metadata as GDAL layer metadata (``gpkg_metadata``) and the
    layer's description, so QGIS shows it under Layer Properties > Information."""
    layer = "geoinsight_export"
    pyogrio.write_dataframe(
        table.frame.to_crs(STORE_CRS), path, layer=layer, driver="GPKG",
        promote_to_multi=True, dataset_options={"VERSION": "1.2"},
        layer_metadata={"geoinsight": _metadata_json(meta)},
        layer_options={"IDENTIFIER": meta["title"][:250],
                       "DESCRIPTION": _description(meta)})


def _description(meta: dict[str, Any]) -> str:
    layers = "; ".join(f"{m['column']}: {m['title']} ({m['unit']}, {m['source']}, "
                       f"{m['licence']})" for m in meta["layers"])
    warn = f" {meta['warning']}." if meta.get("warning") else ""
    return (f"{meta['title']}. {layers}. Generated {meta['generated_at']} by "
            f"{meta['generator']}.{warn}")


def _write_parquet(table: AreaTable, meta: dict[str, Any], path: Path) -> None:
    """GeoParquet (the ``geo`` key from geopandas) plus a ``geoinsight`` key with the metadata."""
    table.frame.to_parquet(path, index=False)
    written = pq.read_table(path)
    schema_meta = dict(written.schema.metadata or {})
    schema_meta[b"geoinsight"] = _metadata_json(meta).encode("utf-8")
    pq.write_table(written.replace_schema_metadata(schema_meta), path)


def shapefile_fields(table: AreaTable) -> dict[str, str]:
    """Column -> field name of at most 10 characters (dBase): v01/s01 per layer."""
    fixed = {"code": "code", "name": "name", "level": "level", "gemeente_code": "gm_code",
             "year": "year", "boundary_year": "bnd_year"}
    for n, column in enumerate(table.columns, start=1):
        fixed[column.value_column] = f"v{n:02d}"
        fixed[column.status_column] = f"s{n:02d}"
    return fixed


def _write_shapefile_zip(table: AreaTable, meta: dict[str, Any], path: Path) -> None:
    """A zip with the Shapefile (UTF-8, RD New), ``fields.csv`` naming each short field, and
    ``metadata.json``."""
    folder = path.parent / "shp"
    folder.mkdir()
    names = shapefile_fields(table)
    frame = table.frame.rename(columns=names).to_crs(STORE_CRS)
    pyogrio.write_dataframe(frame, folder / "geoinsight_export.shp", driver="ESRI Shapefile",
                            promote_to_multi=True, encoding="UTF-8")
    lookup = {m["column"]: m for m in meta["layers"]}
    rows = io.StringIO()
    out = csv.writer(rows, lineterminator="\n")
    out.writerow(["field", "column", "title", "unit", "year", "source", "licence"])
    for column, short in names.items():
        info = lookup.get(column) or lookup.get(column.removesuffix("_status"), {})
        title = info.get("title", column)
        if column.endswith("_status") and info:
            title = f"status of {info['title']} (ok, estimated, secret, missing)"
        out.writerow([short, column, title, info.get("unit", ""), info.get("year", ""),
                      info.get("source", ""), info.get("licence", "")])
    (folder / "fields.csv").write_text(rows.getvalue(), encoding="utf-8")
    (folder / "metadata.json").write_text(_metadata_json(meta), encoding="utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)


def _write_xlsx(table: AreaTable, meta: dict[str, Any], path: Path) -> None:
    """Sheet ``data`` (streamed by openpyxl's write-only mode) and sheet ``metadata``."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    data = book.create_sheet("data")
    frame = table.attributes()
    data.append(list(frame.columns))
    for row in _plain_rows(frame):
        data.append([None if v == "" else v for v in row])
    about = book.create_sheet("metadata")
    for key in ("title", "generator", "generated_at", "level", "municipality", "province", "year",
                "boundary_year", "areas", "synthetic", "warning"):
        about.append([key, _cell(meta.get(key))])
    about.append(["boundaries", f"{meta['boundaries']['source']} "
                                f"({meta['boundaries']['licence']})"])
    about.append([])
    about.append(["column", "status column", "title", "unit", "kind", "year", "tier", "source",
                  "licence", "synthetic", "description"])
    for m in meta["layers"]:
        about.append([m["column"], m["status_column"], m["title"], m["unit"], m["kind"],
                      m["year"], m["tier"], m["source"], m["licence"], m["synthetic"],
                      m["description"]])
    about.append([])
    about.append(["status", "meaning"])
    for status, meaning in meta["statuses"].items():
        about.append([status, meaning])
    about.append([])
    about.append(["disclosure control"])
    for rule in meta["disclosure_control"]["rules"]:
        about.append([rule])
    book.save(path)


def _cell(value: Any) -> Any:
    return "" if value is None else value


_FILE_WRITERS: dict[str, Callable[[AreaTable, dict[str, Any], Path], None]] = {
    "gpkg": _write_gpkg, "parquet": _write_parquet, "shp": _write_shapefile_zip,
    "xlsx": _write_xlsx,
}


def csvw_metadata(table: AreaTable, meta: dict[str, Any], csv_name: str) -> dict[str, Any]:
    """W3C CSV on the Web metadata for the CSV (``<file>.csv-metadata.json`` beside it)."""
    types = {"year": "integer", "boundary_year": "integer"}
    columns = []
    for name in table.attributes().columns:
        info = next((m for m in meta["layers"] if name in (m["column"], m["status_column"])),
                    None)
        column: dict[str, Any] = {"name": name, "titles": name,
                                  "datatype": types.get(name, "string")}
        if info and name == info["column"]:
            column.update({"titles": info["title"], "datatype": "double",
                           "dc:description": f"{info['unit']}; {info['source']}"})
        columns.append(column)
    return {"@context": "http://www.w3.org/ns/csvw", "url": csv_name,
            "dc:title": meta["title"], "dc:created": meta["generated_at"],
            "dc:license": "; ".join(sorted({m["licence"] for m in meta["layers"]})),
            "dc:source": "; ".join(sorted({m["source"] for m in meta["layers"]})),
            "tableSchema": {"columns": columns, "primaryKey": "code"},
            "geoinsight": meta}
