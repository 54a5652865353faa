"""Sign-in throttling and locks, and the rate limiter, on a clock the tests move by hand.

The red team sent 60 wrong passwords in 7.6 s, each a plain 401, and then the right one got in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from manual_clock import ManualClock

from geoinsight.privacy.accounts import Accounts
from geoinsight.privacy.throttle import Limiter, LoginPolicy, SignInGuard

PASSWORD = "correct horse battery"
HOME = "192.0.2.10"
POLICY = LoginPolicy(max_failures=5, address_max_failures=20, window=900, backoff=30,
                     lock_after=20)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def accounts(accounts_location: Path | str, clock: ManualClock) -> Accounts:
    accounts = Accounts(accounts_location, clock=clock)
    accounts.add_user("jan", ["beheerder"], PASSWORD)
    return accounts


@pytest.fixture
def guard(accounts: Accounts) -> SignInGuard:
    return SignInGuard(accounts, POLICY)


def test_the_red_team_attack_is_throttled(guard: SignInGuard) -> None:
    outcomes = [guard.sign_in("jan", f"guess number {i}", HOME).outcome for i in range(60)]
    assert outcomes[:5] == ["bad_login"] * 5
    assert set(outcomes[5:]) == {"throttled"}
    # the right password inside the throttle window is refused just the same
    right = guard.sign_in("jan", PASSWORD, HOME)
    assert right.outcome == "throttled" and right.principal is None
    assert right.retry_after == 30


def test_backoff_doubles_and_success_resets(guard: SignInGuard, clock: ManualClock) -> None:
    for i in range(5):
        assert guard.sign_in("jan", f"wrong {i}", HOME).outcome == "bad_login"
    waits = []
    for i in range(4):
        refused = guard.sign_in("jan", "still wrong", HOME)
        assert refused.outcome == "throttled"
        waits.append(refused.retry_after)
        clock.advance(refused.retry_after - 1)
        assert guard.sign_in("jan", PASSWORD, HOME).outcome == "throttled"  # not yet
        clock.advance(1)
        assert guard.sign_in("jan", f"wrong again {i}", HOME).outcome == "bad_login"
    assert waits == [30, 60, 120, 240]
    clock.advance(480)
    assert guard.sign_in("jan", PASSWORD, HOME).outcome == "ok"
    # the account's count starts again: five more tries before the next wait
    assert [guard.sign_in("jan", "typo", "198.51.100.7").outcome for _ in range(6)] == [
        "bad_login"] * 5 + ["throttled"]


def test_the_wait_never_exceeds_the_window(accounts: Accounts, clock: ManualClock) -> None:
    guard = SignInGuard(accounts, LoginPolicy(max_failures=1, address_max_failures=100,
                                              window=100, backoff=30, lock_after=1000))
    waits = []
    for _ in range(3):
        assert guard.sign_in("jan", "wrong wrong wrong", HOME).outcome == "bad_login"
        waits.append(guard.sign_in("jan", "x", HOME).retry_after)
        clock.advance(waits[-1])
    assert waits == [30, 60, 100]  # not 120


def test_per_address_throttle_catches_spraying(guard: SignInGuard, clock: ManualClock) -> None:
    # one guess at each of twenty names (a password spray) from one address
    for i in range(20):
        assert guard.sign_in(f"user{i}", "Welkom2024!!", HOME).outcome == "bad_login"
    assert guard.sign_in("jan", PASSWORD, HOME).outcome == "throttled"
    assert guard.sign_in("jan", PASSWORD, "198.51.100.7").outcome == "ok"  # jan elsewhere
    clock.advance(30)
    assert guard.sign_in("jan", PASSWORD, HOME).outcome == "ok"
    # a success does not clear the address: the next failure there waits again at once
    assert guard.sign_in("user0", "Welkom2024!!", HOME).outcome == "bad_login"
    assert guard.sign_in("jan", PASSWORD, HOME).outcome == "throttled"


def test_lock_after_m_failures_until_unlocked(accounts: Accounts, guard: SignInGuard,
                                             clock: ManualClock) -> None:
    locked_now = []
    for i in range(20):
        attempt = guard.sign_in("jan", f"slow guess {i}", HOME)
        assert attempt.outcome == "bad_login"
        locked_now.append(attempt.locked_now)
        clock.advance(POLICY.window)  # slow enough never to be throttled
    assert locked_now == [False] * 19 + [True]
    assert guard.sign_in("jan", PASSWORD, HOME).outcome == "locked"
    clock.advance(30 * 24 * 3600)
    assert guard.sign_in("jan", PASSWORD, "198.51.100.7").outcome == "locked"
    assert accounts.unlock("jan") is True
    assert guard.sign_in("jan", PASSWORD, HOME).outcome == "ok"


def test_unknown_names_are_throttled_and_locked_alike(guard: SignInGuard,
                                                      clock: ManualClock) -> None:
    """Neither a 429 nor a lock may tell an attacker that a name exists."""
    for name in ("jan", "nobody"):
        outcomes = []
        for i in range(21):
            outcomes.append(guard.sign_in(name, f"guess {i}", f"203.0.113.{i}").outcome)
            clock.advance(POLICY.window)
        assert outcomes == ["bad_login"] * 20 + ["locked"], name


def test_processes_share_the_counts(accounts_location: Path | str, accounts: Accounts,
                                   clock: ManualClock) -> None:
    """Two server processes each open the accounts: guesses spread over them add up."""
    one = SignInGuard(Accounts(accounts_location, clock=clock), POLICY)
    two = SignInGuard(Accounts(accounts_location, clock=clock), POLICY)
    for i in range(5):
        (one if i % 2 else two).sign_in("jan", f"guess {i}", HOME)
    assert one.sign_in("jan", PASSWORD, HOME).outcome == "throttled"
    assert two.sign_in("jan", PASSWORD, HOME).outcome == "throttled"


def test_wrong_tokens_count_against_the_address(guard: SignInGuard) -> None:
    for _ in range(19):
        guard.count_address_failure(HOME)
    assert guard.address_wait(HOME) == 0
    guard.count_address_failure(HOME)
    assert guard.address_wait(HOME) == 30 and guard.address_wait("198.51.100.7") == 0


def test_limiter_sliding_window(accounts: Accounts, clock: ManualClock) -> None:
    limiter = Limiter(accounts)
    assert [limiter.take("aggregate", HOME, 3, 60) for _ in range(3)] == [0, 0, 0]
    clock.advance(20)
    assert limiter.take("aggregate", HOME, 3, 60) == 40  # the first one leaves the window then
    assert limiter.take("aggregate", "198.51.100.7", 3, 60) == 0
    clock.advance(40)
    assert [limiter.take("aggregate", HOME, 3, 60) for _ in range(4)] == [0, 0, 0, 60]
