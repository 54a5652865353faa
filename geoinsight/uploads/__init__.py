"""Reading uploaded area files with bounds: how much, how many and how long.

An upload is small on the wire but not in the work it can ask for: a 100 kB GeoPackage whose
layer is a view over a recursive CTE makes any reader that runs the view produce millions of
rows; a zip of a few kB can unpack to gigabytes; a GeoJSON can nest thousands of levels deep.
So every reader here counts as it goes and stops at the first limit it passes, with a 400 or
413 that says which limit and which setting. :class:`ReadStats` is that count, kept so a test
(or a log line) can tell how far a refused read got.

The time limit works by counting, not by a watchdog: SQLite calls a progress handler every
:data:`SQLITE_STEP` virtual-machine instructions and the handler stops the statement when the
budget of instructions (:attr:`UploadLimits.sqlite_steps`) or the wall-clock deadline
(:attr:`UploadLimits.read_seconds`) is spent. The instruction budget answers the same for the
same file on a busy or an idle server; the deadline is the backstop. Everything else a read does
is bounded by bytes (the upload, the unpacked zip) and by the feature and vertex caps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import shapely

from geoinsight.errors import BadRequest, GeoInsightError
from geoinsight.settings import Settings

#: SQLite calls the progress handler every this many virtual-machine instructions
SQLITE_STEP = 1_000


class TooLarge(GeoInsightError):
    """An upload, or what it unpacks to, is larger than allowed."""

    status = 413
    code = "too_large"


@dataclass(frozen=True)
class UploadLimits:
    """The bounds of one upload read (settings ``aggregate_*``; docs/operations.md)."""

    max_bytes: int = 5 * 2**20
    max_vertices: int = 10_000
    max_features: int = 1_000
    max_unzipped_bytes: int = 20 * 2**20
    read_seconds: float = 10.0
    #: SQLite virtual-machine instructions a GeoPackage read may take (a real one of the
    #: largest accepted size needs well under a tenth of this)
    sqlite_steps: int = 50_000_000
    #: members of a zipped Shapefile (its parts, plus room for __MACOSX and readme files)
    max_zip_members: int = 50
    #: nesting of JSON arrays and objects (a MultiPolygon in a Feature in a collection is 7)
    max_json_depth: int = 32

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(max_bytes=settings.aggregate_max_upload_bytes,
                   max_vertices=settings.aggregate_max_vertices,
                   max_features=settings.aggregate_max_features,
                   max_unzipped_bytes=settings.aggregate_max_unzipped_bytes,
                   read_seconds=settings.aggregate_read_seconds)


@dataclass
class ReadStats:
    """How far a read got: features and vertices taken, SQLite instructions run, bytes
    unpacked. A refused read shows that it stopped at the limit, not after reading it all."""

    features: int = 0
    vertices: int = 0
    sqlite_steps: int = 0
    unzipped_bytes: int = 0
    refused: str = ""


@dataclass
class Budget:
    """The limits and the running count of one read; every reader reports to it."""

    limits: UploadLimits
    stats: ReadStats = field(default_factory=ReadStats)
    deadline: float = 0.0

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.limits.read_seconds

    def refuse(self, error: GeoInsightError) -> GeoInsightError:
        """Note why the read stopped; return the error to raise."""
        self.stats.refused = error.code
        return error

    def take(self, geometry: shapely.Geometry | None) -> None:
        """Count one feature and its vertices; refuse the first one past a limit."""
        self.stats.features += 1
        if self.stats.features > self.limits.max_features:
            raise self.refuse(BadRequest(
                f"the file has more than {self.limits.max_features:,} features; at most "
                f"{self.limits.max_features:,} are accepted for one area (merge them first)",
                code="too_many_features"))
        if geometry is not None:
            self.stats.vertices += int(shapely.get_num_coordinates(geometry))
        if self.stats.vertices > self.limits.max_vertices:
            raise self.refuse(BadRequest(
                f"the area has more than {self.limits.max_vertices:,} vertices; at most "
                f"{self.limits.max_vertices:,} are accepted (simplify it first)",
                code="too_many_vertices"))

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def too_slow(self) -> GeoInsightError:
        return self.refuse(BadRequest(
            "the file takes too much work to read (a GeoPackage layer must be a plain table of "
            "polygons)", code="too_complex"))

    def unzipped(self, size: int) -> None:
        """Count unpacked bytes; refuse past the limit (the sizes a zip declares can lie)."""
        self.stats.unzipped_bytes += size
        if self.stats.unzipped_bytes > self.limits.max_unzipped_bytes:
            raise self.refuse(TooLarge(
                f"the zip unpacks to more than {self.limits.max_unzipped_bytes:,} bytes",
                code="too_large"))
