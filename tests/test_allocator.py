"""The fixed mmap threshold (geoinsight/web/allocator.py): after it, large answers are mmapped
even once a larger block was freed, where glibc's default would have moved them to the heap.
Each case runs in a fresh interpreter (the setting holds for the whole process)."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from geoinsight.errors import ConfigError
from geoinsight.settings import Settings, load_settings

PROBE = r"""
import ctypes, json, sys
from geoinsight.web.allocator import fix_mmap_threshold

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
fixed = fix_mmap_threshold(int(sys.argv[1]))
size = 8 * 2**20
first = b"x" * (2 * size)
del first  # a freed 16 MiB block: glibc's default threshold rises to 16 MiB
answers = [b"a" * size for _ in range(10)]
print(json.dumps({"fixed": fixed, "mmapped": libc.mallinfo2().hblkhd}))
"""


def _probe(threshold: int) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(threshold)], capture_output=True,
                          text=True, check=True)
    result: dict[str, int] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(not hasattr(ctypes.CDLL(ctypes.util.find_library("c")), "mallinfo2"),
                    reason="glibc ≥ 2.33 only")
def test_large_answers_stay_in_mmap_with_the_fixed_threshold(settings: Settings) -> None:
    fixed = _probe(settings.malloc_mmap_threshold)
    default = _probe(0)
    assert fixed["fixed"] and not default["fixed"]
    assert fixed["mmapped"] >= 10 * 8 * 2**20  # each answer its own mmap: freed, it goes back
    assert default["mmapped"] < 8 * 2**20  # the heap took them: freed, they may stay


def test_the_threshold_is_a_bounded_setting(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path, malloc_mmap_threshold="0").malloc_mmap_threshold == 0
    with pytest.raises(ConfigError, match="malloc_mmap_threshold"):
        load_settings(data_dir=tmp_path, malloc_mmap_threshold=str(64 * 2**20))
