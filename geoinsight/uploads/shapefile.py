"""An uploaded zipped Shapefile: unpacked with bounds, read a batch of features at a time.

A zip says how large its members are, but it may lie, so bytes are counted while they are
unpacked and the unpacking stops at the limit. A member name is only a name: the parts are
written flat under fixed names, and a name that climbs out of the archive (``../``, an absolute
path), a link or an encrypted member is refused rather than skipped, so the sender learns why.
GDAL reads the Shapefile (a plain format: records at offsets the ``.shx`` gives) a batch at a
time, so the vertex limit stops the read rather than judging it afterwards.
"""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geoinsight.errors import BadRequest
from geoinsight.uploads import Budget, TooLarge

#: features per read: small enough to stop soon after the vertex limit
_BATCH = 64
_CHUNK = 64 * 1024


def unzip_shapefile(data: bytes, folder: Path, budget: Budget) -> Path:
    """The .shp of a zip (with its .shx, .dbf, .prj, .cpg), written flat into ``folder``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise BadRequest("the upload is not a valid zip file", code="bad_upload") from None
    with archive:
        members = _checked_members(archive, budget)
        shps = [m for m in members if _name(m).suffix.lower() == ".shp"
                and not _name(m).name.startswith(".")]
        if len(shps) != 1:
            raise BadRequest(f"the zip must hold one Shapefile (.shp), found {len(shps)}",
                             code="bad_upload")
        stem = _name(shps[0]).with_suffix("")
        for member in members:
            if _name(member).with_suffix("") == stem:
                _extract(archive, member, folder / f"upload{_name(member).suffix.lower()}",
                         budget)
    return folder / "upload.shp"


def _name(member: zipfile.ZipInfo) -> PurePosixPath:
    return PurePosixPath(member.filename.replace("\\", "/"))


def _checked_members(archive: zipfile.ZipFile, budget: Budget) -> list[zipfile.ZipInfo]:
    """The files of the archive, refused as a whole when one of them is suspect."""
    limits = budget.limits
    entries = archive.infolist()
    if len(entries) > limits.max_zip_members:
        raise BadRequest(f"the zip holds {len(entries):,} entries; a zipped Shapefile needs "
                         f"a few (at most {limits.max_zip_members} are accepted)",
                         code="bad_upload")
    members = [m for m in entries if not m.is_dir()]
    for member in members:
        path = _name(member)
        if path.is_absolute() or ".." in path.parts or ":" in member.filename:
            raise BadRequest(f"the zip holds a file outside its own folder "
                             f"({member.filename!r})", code="bad_upload")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise BadRequest(f"the zip holds a link ({member.filename!r})", code="bad_upload")
        if member.flag_bits & 0x1:
            raise BadRequest("the zip is password-protected", code="bad_upload")
    declared = sum(m.file_size for m in members)
    if declared > limits.max_unzipped_bytes:
        raise TooLarge(f"the zip unpacks to {declared:,} bytes; at most "
                       f"{limits.max_unzipped_bytes:,} are accepted")
    return members


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path,
             budget: Budget) -> None:
    """Unpack one member a chunk at a time, counting what really comes out."""
    try:
        with archive.open(member) as source, target.open("wb") as sink:
            while chunk := source.read(_CHUNK):
                budget.unzipped(len(chunk))
                sink.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError) as exc:
        raise BadRequest(f"the zip cannot be unpacked ({_name(member).name}: {exc})",
                         code="bad_upload") from None


def read_shapefile(path: Path, budget: Budget) -> tuple[list[shapely.Geometry], CRS | None]:
    """The geometries of a Shapefile and its CRS, a batch of features at a time."""
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        info = pyogrio.read_info(path)
        if "polygon" not in str(info.get("geometry_type") or "").lower():
            raise BadRequest("the Shapefile holds no polygons", code="not_a_polygon")
        out: list[shapely.Geometry] = []
        while True:
            if budget.out_of_time():
                raise budget.too_slow()
            frame = pyogrio.read_dataframe(path, columns=[], skip_features=budget.stats.features,
                                           max_features=_BATCH)
            for geometry in frame.geometry:
                budget.take(geometry)
                if geometry is not None:
                    out.append(geometry)
            if len(frame) < _BATCH:
                break
    return out, _crs(info.get("crs"))


def _crs(text: object) -> CRS | None:
    if not text:
        return None
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise BadRequest(f"the file's coordinate system cannot be used: {exc}",
                         code="bad_crs") from None
