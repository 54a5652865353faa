"""A clock that moves only when a test says so: throttles and sessions, tested without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Pass it as ``Accounts(path, clock=...)``; ``advance`` moves it on."""

    def __init__(self, start: datetime = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
