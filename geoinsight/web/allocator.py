"""glibc's malloc in a long-running server: a fixed mmap threshold.

glibc serves an allocation above its mmap threshold with its own ``mmap`` and gives it back to
the system on ``free``. The threshold starts at 128 KiB but, by default, rises to the size of
every mmapped block freed (up to 32 MiB). After the first large answer is freed, later answers
(GeoJSON pages, gzipped bodies, the per-process answer LRU's entries: from a few hundred kB to
tens of MB) come from the heap instead, where freed space between live objects is not returned
and fragments. Fixing the threshold (``mallopt(M_MMAP_THRESHOLD, n)``, which also turns off the
rise) keeps every large answer in mmap: measured with ``scripts/bench_memory.py``, the OGC load
on 14,500 buurten held 1,485 MB, level, instead of 1,944 MB and rising after 3 minutes
(docs/benchmarks.md).

Setting ``malloc_mmap_threshold`` (bytes; 0 leaves glibc's default). Set once in the serving
process before any worker forks (the workers inherit it); elsewhere (macOS, musl) it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: mallopt's parameter number for the mmap threshold (glibc's malloc.h)
M_MMAP_THRESHOLD = -3


def fix_mmap_threshold(nbytes: int) -> bool:
    """Serve allocations of ``nbytes`` and more from mmap, for good. True when the C library
    took it (glibc), False when ``nbytes`` is 0 or there is no ``mallopt``."""
    if nbytes <= 0:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, int(nbytes)) == 1)
