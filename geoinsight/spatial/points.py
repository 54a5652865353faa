"""Point-to-area engine: which area (buurt, wijk, gemeente) each point lies in, fast and exact.

Every point aggregation in GeoInsight (BAG addresses, energy labels, event points) asks the same
question millions of times against one boundary set, so the work is split in two:
:class:`PointIndex` is built once per boundary set, and :meth:`PointIndex.assign` answers
points in bulk.

**The rule.** For every point not on an area boundary, ``assign`` gives the same area as
``geopandas.sjoin(points, areas, predicate="within")``. ``within`` drops points that lie exactly
on a boundary, which would silently lose addresses on a buurt edge; instead:

    a point belongs to the area with the lowest position among the areas whose *closed* polygon
    covers it (``shapely.intersects_xy``); ``-1`` if no area covers it.

So a point on an edge shared by two buurten goes to the one that comes first, a point on the
outer edge of a coverage belongs to the area it touches, and where areas overlap (not a clean
coverage) the lowest position wins where sjoin would return several rows. NaN coordinates give
``-1``. ``None`` and empty geometries never match. Invalid geometries are repaired with
``shapely.make_valid`` (keeping the polygonal parts), because GEOS answers on invalid polygons
are undefined; :attr:`PointIndex.areas` holds the repaired geometries the rule refers to.

**How it is fast and still exact.** The bounding box of the areas is cut into a two-level grid
of fine cells (size ``f``) grouped in blocks of ``BLOCK × BLOCK`` cells. A cell is *exact* when a
boundary segment comes within a hair (``f·1e-6``) of it; every other cell lies wholly inside one
area or outside all of them. Blocks without exact cells store one area code; the others store a
small raster of codes in which each exact cell points to its own list of candidate areas (those
whose boundary touches it, usually two). A point is answered by two array lookups; only points in
exact cells get a vectorised ``shapely.intersects_xy`` test against their cell's candidates, in
position order, so the first hit is the lowest covering area.

The codes of non-exact cells are not sampled by a rasteriser: two side-by-side non-exact cells
always belong to the same area (a boundary between them would touch both), so each horizontal
run of them gets one code, copied from the neighbouring uniform block where the run reaches one,
else from one exact ``shapely`` test at a cell centre. No code depends on rounding near an edge,
and there is no per-geometry conversion (``rasterio.features.rasterize`` needs GeoJSON-like
dicts, which cost more than this whole step).

**Cell size and memory.** With cells of size ``f`` about ``2 f / s`` of the points in areas of
side ``s`` need an exact test, while memory grows with the boundary length over ``f`` (exact
cells and their lists), the boundary length over the block size (block rasters) and the extent
over the block area (4 bytes per block). A dense raster over the Netherlands (300 × 350 km) at
10 m would be a billion cells; here fine cells exist only along boundaries. By default ``f`` is
the side of the median area divided by 32 (about 6 % exact tests in an area of median size, more
where points crowd into small areas), then enlarged until the estimated index fits
``memory_budget`` (64 MiB): about 35 MiB for 14,500 buurt-like areas over the Netherlands,
against the gigabytes ``sjoin`` spends on millions of point geometries. A smaller ``cell_size``
buys fewer exact tests with memory and build time. Overlapping areas (interiors that intersect)
stay correct but make the blocks around each overlap fully exact: they cost speed, not
correctness. Coordinates are in the areas' CRS (metres for EPSG:28992); ``cell_size`` too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

BLOCK: Final = 8
"""Fine cells per block side: balances the coarse grid (extent / block²) against the fine
rasters along boundaries (boundary length × block)."""
CELLS_PER_MEDIAN_SIDE: Final = 32
DEFAULT_MEMORY_BUDGET: Final = 64 * 2**20
CHUNK: Final = 1 << 20
"""Points per step, so temporary arrays stay near 100 MB whatever the number of points."""
_SEGMENT_CHUNK: Final = 1 << 18
_BLOCK_BATCH: Final = 1 << 14
_POLYGONAL: Final = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Sampler = Callable[[FloatArray, FloatArray], IntArray]


@dataclass(frozen=True)
class _Grid:
    """Fine cells of size ``f``, ``BLOCK × BLOCK`` to a block; rows count down from ``ytop``."""

    x0: float
    ytop: float
    f: float
    ncols: int  # blocks
    nrows: int  # blocks

    @property
    def eps(self) -> float:
        """Margin that absorbs rounding when coordinates are turned into cell numbers."""
        return self.f * 1e-6

    def centres(self, col: IntArray, row: IntArray) -> tuple[FloatArray, FloatArray]:
        x = self.x0 + (col + 0.5) * self.f
        y = self.ytop - (row + 0.5) * self.f
        return np.asarray(x, np.float64), np.asarray(y, np.float64)


class PointIndex:
    """Exact point-in-area lookups against one boundary set (EPSG:28992 metres).

    Usage::

        index = PointIndex(buurten.geometry)          # once per boundary set
        pos = index.assign(bag["x"], bag["y"])        # area position per point, -1 outside
        dwellings = index.counts(bag["x"], bag["y"])  # per area, aligned with ``buurten``
    """

    def __init__(
        self,
        areas: gpd.GeoSeries | NDArray[Any],
        *,
        cell_size: float | None = None,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
    ) -> None:
        """Build the grid once; ``cell_size`` is the fine cell size in CRS units (default: auto).

        Points given to :meth:`assign` must be in the same CRS as ``areas``.
        """
        self.areas: NDArray[np.object_] = _clean(areas)
        self.n_areas: int = len(self.areas)
        shapely.prepare(self.areas)
        self.cell_size = 0.0
        self._grid = _Grid(0.0, 0.0, 1.0, 0, 0)
        self._coarse = np.zeros((0, 0), np.int32)
        self._fine: NDArray[Any] = np.zeros((0, BLOCK * BLOCK), np.uint16)
        self._cand_ptr = np.zeros(1, np.int64)
        self._cand: NDArray[Any] = np.zeros(0, np.int32)
        self._first = np.zeros(1, np.int64)
        present = self.areas[~shapely.is_empty(self.areas)]
        if len(present) == 0:
            return
        xmin, ymin, xmax, ymax = shapely.total_bounds(present)
        f = float(cell_size) if cell_size is not None else _auto_cell_size(present, memory_budget)
        if not (math.isfinite(f) and f > 0):
            raise ValueError(f"cell_size must be a positive number of metres, got {cell_size!r}")
        # one spare block beyond the far edges, so rounding can never push a point that
        # touches an area off the grid
        ncols = int((xmax - xmin) // (BLOCK * f)) + 2
        nrows = int((ymax - ymin) // (BLOCK * f)) + 2
        if ncols * nrows > 2**31 or float(shapely.length(present).sum()) / f > 2**28:
            raise ValueError(f"cell_size {f} is too fine for these areas; choose a larger one")
        self.cell_size = f
        self._grid = _Grid(float(xmin), float(ymax), f, ncols, nrows)
        self._build(shapely.STRtree(self.areas))

    # -- building ---------------------------------------------------------------------------

    def _build(self, tree: shapely.STRtree) -> None:
        """Mark exact cells, give every other cell its area code, list candidates per cell."""
        grid, n = self._grid, self.n_areas
        cells, (pair_cell, pair_area) = _boundary_cells(self.areas, grid)
        over_block, over_area = _overlap_blocks(self.areas, tree, grid)
        cell_block, cell_local = _block_local(cells, grid)
        special = _unique(np.concatenate([cell_block, over_block]))
        is_special = np.zeros(grid.nrows * grid.ncols, bool)
        is_special[special] = True

        def sample(x: FloatArray, y: FloatArray) -> IntArray:
            return _lowest_cover(tree, x, y) + 1

        coarse = _coarse_codes(is_special.reshape(grid.nrows, grid.ncols), grid, sample)
        exact = np.zeros((len(special), BLOCK * BLOCK), bool)
        exact[np.searchsorted(special, cell_block), cell_local] = True
        # runs never leave a row of blocks, so rows of blocks can be done a batch at a time
        brow = special // grid.ncols
        cuts = np.searchsorted(brow, brow[::_BLOCK_BATCH], side="left")
        cuts = np.append(_unique(cuts), len(special))
        codes = np.concatenate([np.zeros((0, BLOCK * BLOCK), np.int32)] + [
            _fine_codes(special[a:b], exact[a:b], coarse, grid, sample)
            for a, b in itertools.pairwise(cuts)])

        self._index_lists(special, exact, codes, (pair_cell, pair_area),
                          np.searchsorted(special, over_block), over_area)
        coarse.reshape(-1)[special] = n + 1 + np.arange(len(special))
        self._coarse = coarse.astype(np.int32)

    def _index_lists(self, special: IntArray, exact: BoolArray, codes: NDArray[Any],
                     pairs: tuple[IntArray, IntArray], j_over: IntArray,
                     over_area: IntArray) -> None:
        """Number the exact cells block by block and give each its list of candidate areas.

        A cell's code says its rank within its block (``n + 1 + rank``), so the fine rasters
        stay uint16; ``_first[block] + rank`` is its list. In a block around an overlap every
        cell is exact and shares one list: the block's boundary areas, both overlapping areas
        and the areas of its formerly non-exact cells.
        """
        n, grid = self.n_areas, self._grid
        pair_block, pair_local = _block_local(pairs[0], grid)
        pair_j = np.searchsorted(special, pair_block)
        del pair_block
        j_over_all = _unique(j_over)
        in_over = np.isin(pair_j, j_over_all)
        held = (codes[j_over_all] * ~exact[j_over_all]).reshape(-1) - 1
        shared_j = np.concatenate([pair_j[in_over], j_over, np.repeat(j_over_all, BLOCK**2)])
        shared_a = np.concatenate([pairs[1][in_over], over_area, held])
        shared_j, shared_a = shared_j[shared_a >= 0], shared_a[shared_a >= 0]
        exact[j_over_all] = True

        list_j, list_local = np.nonzero(exact)
        self._first = np.searchsorted(list_j, np.arange(len(special) + 1))
        codes[list_j, list_local] = n + 1 + (np.arange(len(list_j)) - self._first[list_j])
        cell_list = np.searchsorted(list_j * BLOCK**2 + list_local,
                                    (pair_j * BLOCK**2 + pair_local)[~in_over])
        del pair_j, pair_local, list_local
        shared_list = (np.repeat(self._first[shared_j], BLOCK**2)
                       + np.tile(np.arange(BLOCK**2), len(shared_j)))
        key = np.concatenate([cell_list * n + pairs[1][~in_over],
                              shared_list * n + np.repeat(shared_a, BLOCK**2)])
        del cell_list, shared_list
        key = _unique(key)
        self._cand = (key % n).astype(np.uint16 if n <= 2**16 else np.int32)
        ptr = np.searchsorted(key // n, np.arange(len(list_j) + 1))
        self._cand_ptr = ptr.astype(np.int32 if len(key) < 2**31 else np.int64)
        dtype = np.uint16 if n + 1 + BLOCK**2 <= np.iinfo(np.uint16).max else np.uint32
        self._fine = codes.astype(dtype)

    # -- querying ---------------------------------------------------------------------------

    @property
    def nbytes(self) -> int:
        """Memory held by the grid and candidate lists (not counting the geometries)."""
        parts = (self._coarse, self._fine, self._first, self._cand_ptr, self._cand)
        return sum(a.nbytes for a in parts)

    def assign(self, x: ArrayLike, y: ArrayLike) -> IntArray:
        """Area position of each point (int64, shaped like ``x``/``y``); -1: no area covers it."""
        xs, ys = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
        out = np.empty(xs.shape, np.int64)
        flat_x, flat_y, flat_out = xs.reshape(-1), ys.reshape(-1), out.reshape(-1)
        for start in range(0, flat_x.size, CHUNK):
            part = slice(start, start + CHUNK)
            flat_out[part] = self._assign_chunk(flat_x[part], flat_y[part])
        return out

    def counts(self, x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> NDArray[Any]:
        """Points (int64) or summed ``weights`` (float64) per area position, length ``n_areas``.

        Points outside every area are dropped. Works chunk by chunk, so it never holds the
        per-point assignment of all points at once.
        """
        xs, ys = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
        flat_x, flat_y = xs.reshape(-1), ys.reshape(-1)
        w = None
        if weights is not None:
            w = np.broadcast_to(np.asarray(weights, np.float64), xs.shape).reshape(-1)
        total = np.zeros(self.n_areas, np.int64 if w is None else np.float64)
        for start in range(0, flat_x.size, CHUNK):
            part = slice(start, start + CHUNK)
            pos = self._assign_chunk(flat_x[part], flat_y[part])
            hit = pos >= 0
            chunk_w = None if w is None else w[part][hit]
            total += np.bincount(pos[hit], chunk_w, minlength=self.n_areas).astype(total.dtype)
        return total

    def _assign_chunk(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Lookup for one chunk: block code, then cell code, then exact tests where needed."""
        out = np.full(x.shape, -1, np.int64)
        grid, n = self._grid, self.n_areas
        if grid.ncols == 0:
            return out
        with np.errstate(invalid="ignore"):  # NaN compares False: never inside
            col_f = np.floor((x - grid.x0) / grid.f)
            row_f = np.floor((grid.ytop - y) / grid.f)
            inside = ((col_f >= 0) & (col_f < grid.ncols * BLOCK)
                      & (row_f >= 0) & (row_f < grid.nrows * BLOCK))
        idx = np.flatnonzero(inside)
        col = col_f[idx].astype(np.int64)
        row = row_f[idx].astype(np.int64)
        code = self._coarse.reshape(-1)[(row // BLOCK) * grid.ncols + col // BLOCK]
        code = code.astype(np.int64)
        special = np.flatnonzero(code > n)
        block = code[special] - (n + 1)
        local = (row[special] % BLOCK) * BLOCK + col[special] % BLOCK
        code[special] = self._fine[block, local]
        out[idx] = code - 1
        exact = code[special] > n
        if exact.any():
            pts = idx[special[exact]]
            cell_list = self._first[block[exact]] + code[special[exact]] - (n + 1)
            out[pts] = self._exact(x[pts], y[pts], cell_list)
        return out

    def _exact(self, x: FloatArray, y: FloatArray, cell: IntArray) -> IntArray:
        """Test points against their cell's candidates in position order; first hit wins.

        Points are sorted by cell, so consecutive tests hit the same few polygons and their
        prepared edge indexes stay in cache (about ten times faster than in random order).
        """
        order = np.argsort(cell, kind="stable")
        x, y, cell = x[order], y[order], cell[order]
        first = self._cand_ptr[cell]
        ncand = self._cand_ptr[cell + 1] - first
        found = np.full(len(x), -1, np.int64)
        active = np.flatnonzero(ncand > 0)
        rank = 0
        while active.size:
            area = self._cand[first[active] + rank].astype(np.int64)
            hit = shapely.intersects_xy(self.areas[area], x[active], y[active])
            found[active[hit]] = area[hit]
            rank += 1
            active = active[~hit & (ncand[active] > rank)]
        result = np.empty_like(found)
        result[order] = found
        return result


# -- building blocks -------------------------------------------------------------------------


def _clean(areas: gpd.GeoSeries | NDArray[Any]) -> NDArray[np.object_]:
    """Object array of polygonal geometries: None → empty, invalid → make_valid, lines dropped."""
    if isinstance(areas, gpd.GeoDataFrame):
        areas = areas.geometry
    raw = areas.to_numpy() if isinstance(areas, gpd.GeoSeries) else areas
    geoms = np.array(raw, dtype=object).reshape(-1)
    geoms[shapely.is_missing(geoms)] = shapely.Polygon()
    broken = ~shapely.is_valid(geoms)
    if broken.any():
        geoms[broken] = shapely.make_valid(geoms[broken])
    for i in np.flatnonzero(~np.isin(shapely.get_type_id(geoms), _POLYGONAL)):
        parts = shapely.get_parts(geoms[i])
        polys = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]
        geoms[i] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return geoms


def _unique(values: IntArray) -> IntArray:
    """Sorted unique values (``np.unique`` hashes first, which is many times slower here)."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def _auto_cell_size(geoms: NDArray[np.object_], budget: int) -> float:
    """Median area side / 32, enlarged until the estimated index fits the memory budget."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    side = math.sqrt(float(np.median(shapely.area(geoms))))
    boundary = float(shapely.length(geoms).sum())
    rings = int(shapely.get_num_geometries(geoms).sum())  # parts; holes left out
    f = side / CELLS_PER_MEDIAN_SIDE
    while True:
        step = BLOCK * f
        blocks = ((xmax - xmin) / step + 1) * ((ymax - ymin) / step + 1)
        # calibrated on coverages (each edge counted twice in ``boundary``), see docs
        special = min(blocks, 0.7 * boundary / step + rings)
        exact = min(special * BLOCK * BLOCK, 0.7 * boundary / f + rings)
        # int32 per block; uint16 codes and a pointer per special block; per exact cell a
        # pointer and about two uint16 candidates
        if 4 * blocks + special * (2 * BLOCK * BLOCK + 8) + exact * (4 + 2 * 2) <= budget:
            return f
        f *= 1.25


def _boundary_cells(
    geoms: NDArray[np.object_], grid: _Grid
) -> tuple[IntArray, tuple[IntArray, IntArray]]:
    """Fine cells that a boundary segment comes within ``eps`` of, and (cell, area) pairs.

    Segments are cut into pieces of at most half a cell, so each piece's bounding box spans at
    most 2 × 2 cells; a cell of that box counts only if the piece's line passes within ``eps``
    of it (its four enlarged corners are not all on one side). The coordinates come from one
    ragged array and are cut with numpy, a batch at a time, so no GEOS geometry is copied.
    Returns sorted unique fine cell ids (row-major) and the unique (cell, area) pairs.
    """
    n = len(geoms)
    kind, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    ring_end = offsets[0][1:]
    ring_geom = np.repeat(np.arange(len(offsets[-1]) - 1), np.diff(offsets[-1]))
    if kind == shapely.GeometryType.MULTIPOLYGON:
        ring_geom = np.repeat(ring_geom, np.diff(offsets[1]))
    last = np.zeros(len(coords), bool)
    last[ring_end[ring_end > 0] - 1] = True
    seg = np.flatnonzero(~last)
    seg_area = ring_geom[np.searchsorted(ring_end, seg, side="right")]
    length = np.hypot(*(coords[seg + 1] - coords[seg]).T)
    pieces = np.maximum(np.ceil(length / (grid.f / 2)), 1).astype(np.int64)
    batch = np.cumsum(pieces) // _SEGMENT_CHUNK
    cuts = np.append(np.flatnonzero(np.diff(batch, prepend=-1)), len(seg))
    pairs: list[IntArray] = [np.zeros(0, np.int64)]
    for a, b in itertools.pairwise(cuts):
        k = pieces[a:b]
        which = np.repeat(np.arange(a, b), k)
        i = np.arange(len(which)) - np.repeat(np.cumsum(k) - k, k)  # piece number in segment
        p, q = coords[seg[which]], coords[seg[which] + 1]
        t0, t1 = (i / pieces[which])[:, None], ((i + 1) / pieces[which])[:, None]
        start, end = p + t0 * (q - p), p + t1 * (q - p)
        pairs.append(_segment_cells(start, end - start, seg_area[which], grid, n))
    keys = _unique(np.concatenate(pairs))
    cell = keys // n
    return _unique(cell), (cell, keys % n)  # already sorted: this sort is cheap


def _segment_cells(start: FloatArray, delta: FloatArray, area: IntArray, grid: _Grid,
                   n: int) -> IntArray:
    """Sorted unique keys ``cell * n + area`` of the cells each piece passes within eps of."""
    f, eps = grid.f, grid.eps
    ncols_f, nrows_f = grid.ncols * BLOCK, grid.nrows * BLOCK
    px, py = start[:, 0], start[:, 1]
    dx, dy = delta[:, 0], delta[:, 1]
    c0 = np.floor((np.minimum(px, px + dx) - eps - grid.x0) / f).astype(np.int64)
    c1 = np.floor((np.maximum(px, px + dx) + eps - grid.x0) / f).astype(np.int64)
    r0 = np.floor((grid.ytop - np.maximum(py, py + dy) - eps) / f).astype(np.int64)
    r1 = np.floor((grid.ytop - np.minimum(py, py + dy) + eps) / f).astype(np.int64)
    c0, c1 = c0.clip(0, ncols_f - 1), c1.clip(0, ncols_f - 1)
    r0, r1 = r0.clip(0, nrows_f - 1), r1.clip(0, nrows_f - 1)
    found = []
    for dc in (0, 1):
        for dr in (0, 1):
            k = np.flatnonzero((c0 + dc <= c1) & (r0 + dr <= r1))
            col, row = c0[k] + dc, r0[k] + dr
            left = grid.x0 + col * f - eps - px[k]
            right = left + f + 2 * eps
            top = grid.ytop - row * f + eps - py[k]
            bottom = top - f - 2 * eps
            side = [dx[k] * cy - dy[k] * cx for cx in (left, right) for cy in (bottom, top)]
            above = (side[0] > 0) & (side[1] > 0) & (side[2] > 0) & (side[3] > 0)
            below = (side[0] < 0) & (side[1] < 0) & (side[2] < 0) & (side[3] < 0)
            hit = np.flatnonzero(~(above | below))
            found.append((row[hit] * ncols_f + col[hit]) * n + area[k[hit]])
    return _unique(np.concatenate(found))


def _block_local(cells: IntArray, grid: _Grid) -> tuple[IntArray, IntArray]:
    """Block id and position inside the block (row-major) of fine cell ids."""
    row, col = cells // (grid.ncols * BLOCK), cells % (grid.ncols * BLOCK)
    return (row // BLOCK) * grid.ncols + col // BLOCK, (row % BLOCK) * BLOCK + col % BLOCK


def _overlap_blocks(
    geoms: NDArray[np.object_], tree: shapely.STRtree, grid: _Grid
) -> tuple[IntArray, IntArray]:
    """(block, area) pairs for the blocks around places where two areas' interiors overlap.

    A clean coverage has none, which ``coverage_is_valid`` confirms in about a second for the
    national buurten. Otherwise every block within the bounding box of each overlap gets both
    areas as candidates and is tested exactly throughout: one code per cell cannot say "two".
    """
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    present = geoms[~shapely.is_empty(geoms)]
    if len(present) < 2 or shapely.coverage_is_valid(present):
        return none
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    over = shapely.relate_pattern(geoms[i], geoms[j], "T********")
    i, j = i[over], j[over]
    if len(i) == 0:
        return none
    step, eps = grid.f * BLOCK, grid.eps
    pieces, pair = shapely.get_parts(shapely.intersection(geoms[i], geoms[j]), return_index=True)
    i, j = i[pair], j[pair]  # one row per piece: slivers along an edge stay small boxes
    b = shapely.bounds(pieces)
    c0 = np.floor((b[:, 0] - eps - grid.x0) / step).astype(np.int64).clip(0, grid.ncols - 1)
    c1 = np.floor((b[:, 2] + eps - grid.x0) / step).astype(np.int64).clip(0, grid.ncols - 1)
    r0 = np.floor((grid.ytop - b[:, 3] - eps) / step).astype(np.int64).clip(0, grid.nrows - 1)
    r1 = np.floor((grid.ytop - b[:, 1] + eps) / step).astype(np.int64).clip(0, grid.nrows - 1)
    blocks: list[IntArray] = []
    owners: list[IntArray] = []
    for k in range(len(i)):  # one step per overlap piece
        rr, cc = np.mgrid[r0[k]:r1[k] + 1, c0[k]:c1[k] + 1]
        ids = (rr * grid.ncols + cc).reshape(-1)
        blocks += [ids, ids]
        owners += [np.full(len(ids), i[k]), np.full(len(ids), j[k])]
    return np.concatenate(blocks), np.concatenate(owners)


def _lowest_cover(tree: shapely.STRtree, x: FloatArray, y: FloatArray) -> IntArray:
    """Lowest position of an area covering each point (exact), ``-1`` for none."""
    found = np.full(len(x), np.iinfo(np.int64).max, np.int64)
    pt, area = tree.query(shapely.points(x, y))  # boxes only: the prepared test below is faster
    order = np.argsort(area, kind="stable")  # polygon by polygon keeps its edge index in cache
    pt, area = pt[order], area[order]
    hit = shapely.intersects_xy(tree.geometries[area], x[pt], y[pt])
    np.minimum.at(found, pt[hit], area[hit])
    found[found == np.iinfo(np.int64).max] = -1
    return found


def _runs(free: BoolArray, row_start: BoolArray) -> tuple[IntArray, IntArray]:
    """First and last index of each run of ``True`` in ``free`` (runs break at ``row_start``)."""
    before = np.zeros(len(free), bool)
    before[1:] = free[:-1]
    after = np.zeros(len(free), bool)
    after[:-1] = free[1:]
    row_end = np.zeros(len(free), bool)
    row_end[:-1] = row_start[1:]
    row_end[-1] = True
    starts = np.flatnonzero(free & (row_start | ~before))
    ends = np.flatnonzero(free & (row_end | ~after))
    return starts, ends


def _spread(label: IntArray, starts: IntArray, free: BoolArray) -> NDArray[np.int32]:
    """Each run's label on every position of the run; 0 where not free (int32: these arrays
    have 64 entries per special block, the biggest of the build)."""
    run = np.zeros(len(free), np.int32)
    run[starts] = 1
    np.cumsum(run, out=run)
    run -= 1
    out = np.zeros(len(free), np.int32)
    out[free] = label.astype(np.int32)[run[free]]
    return out


def _coarse_codes(special: BoolArray, grid: _Grid, sample: Sampler) -> NDArray[np.int32]:
    """Area code (position + 1, 0 = none) of every block without exact cells.

    Each horizontal run of such blocks lies in one area. A run that reaches the grid's left or
    right edge lies outside every area (an area inside it would stick out of the bounds); any
    other run is settled by one exact test at its first block's centre.
    """
    nrows, ncols = special.shape
    free = ~special.reshape(-1)
    col = np.tile(np.arange(ncols), nrows)
    starts, ends = _runs(free, col == 0)
    inner = (col[starts] > 0) & (col[ends] < ncols - 1)
    label = np.zeros(len(starts), np.int64)
    first = starts[inner]
    step = BLOCK * grid.f
    x = grid.x0 + (col[first] + 0.5) * step
    y = grid.ytop - (first // ncols + 0.5) * step
    label[inner] = sample(x, y)
    return _spread(label, starts, free).reshape(nrows, ncols)


def _fine_codes(
    special: IntArray, exact: BoolArray, coarse: NDArray[np.int32], grid: _Grid,
    sample: Sampler,
) -> NDArray[np.int32]:
    """Area codes of the non-exact cells in blocks that have exact cells.

    Cells are walked along fine rows across neighbouring special blocks. A run of non-exact
    cells that ends at a uniform block takes that block's code (adjacent non-exact cells share
    their area); a run closed in by exact cells on both sides gets one exact centre test.
    """
    ncols = grid.ncols
    brow, bcol = special // ncols, special % ncols
    entry_block = np.repeat(np.arange(len(special)), BLOCK)
    entry_row = np.tile(np.arange(BLOCK), len(special))
    order = np.argsort((brow[entry_block] * BLOCK + entry_row) * ncols + bcol[entry_block])
    entry_block, entry_row = entry_block[order], entry_row[order]
    fine_row = brow[entry_block] * BLOCK + entry_row
    block_col = bcol[entry_block]
    follows = np.zeros(len(order), bool)
    follows[1:] = (fine_row[1:] == fine_row[:-1]) & (block_col[1:] == block_col[:-1] + 1)
    seg_start = np.zeros((len(order), BLOCK), bool)
    seg_start[:, 0] = ~follows
    free = ~exact.reshape(-1, BLOCK, BLOCK)[entry_block, entry_row].reshape(-1)
    starts, ends = _runs(free, seg_start.reshape(-1))
    e0, e1 = starts // BLOCK, ends // BLOCK
    open_left = seg_start.reshape(-1)[starts]
    open_right = (ends % BLOCK == BLOCK - 1) & np.append(~follows[1:], True)[e1]
    brow_e0, brow_e1 = brow[entry_block[e0]], brow[entry_block[e1]]
    left = np.where(block_col[e0] > 0, coarse[brow_e0, np.maximum(block_col[e0] - 1, 0)], 0)
    right_col = np.minimum(block_col[e1] + 1, ncols - 1)
    right = np.where(block_col[e1] + 1 < ncols, coarse[brow_e1, right_col], 0)
    label = np.where(open_left, left, np.where(open_right, right, -1))
    closed = np.flatnonzero(label < 0)
    cols = block_col[e0[closed]] * BLOCK + starts[closed] % BLOCK
    label[closed] = sample(*grid.centres(cols, fine_row[e0[closed]]))
    codes = np.zeros((len(special), BLOCK, BLOCK), np.int32)
    codes[entry_block, entry_row] = _spread(label, starts, free).reshape(-1, BLOCK)
    return codes.reshape(len(special), BLOCK * BLOCK)
