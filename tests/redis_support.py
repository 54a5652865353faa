"""The real Redis on this machine, with a key prefix of a test's own (deleted afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


def own_prefix() -> Iterator[str]:
    """A fresh key prefix for a fixture to yield; its keys are deleted when it ends."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"geoinsight-test:{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
