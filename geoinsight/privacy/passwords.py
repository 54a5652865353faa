"""Password policy: long enough, and not guessable, judged by zxcvbn.

Length alone let ``aaaaaaaaaaaa`` through for a beheerder. zxcvbn (Dropbox's estimator, the
``zxcvbn`` PyPI package, MIT) knows the common-password lists, English words, names, keyboard
walks, repeats, sequences, dates and l33t substitutions, and estimates the guesses an attacker
needs. Its score 3 means "safely unguessable: moderate protection from an offline slow-hash
attack" (10^8 guesses or more), which fits scrypt hashes that might leak with a backup; the
minimum is the setting ``password_min_score`` (0-4, default 3).

zxcvbn's dictionaries are English; the words a Dutch municipality's staff reach for first are
given to it as "user inputs" (:data:`DUTCH_WORDS`), with the user's own name, so ``Welkom2024``
or ``geoinsight123`` count as guessable. zxcvbn refuses passwords longer than 72 characters;
those are judged by their first 72, which is strict (a weak start makes the whole weak).
"""

from __future__ import annotations

import threading

from zxcvbn import zxcvbn

from geoinsight.errors import GeoInsightError

MIN_LENGTH = 12
MAX_LENGTH = 1024
DEFAULT_MIN_SCORE = 3
_ZXCVBN_MAX = 72
#: Words zxcvbn does not know but an attacker on a Dutch municipality tries first.
DUTCH_WORDS = ("geoinsight", "wachtwoord", "welkom", "geheim", "gemeente", "wijk", "buurt",
               "zomer", "winter", "lente", "herfst", "voorjaar", "najaar", "maandag",
               "januari", "februari", "december", "nederland", "holland", "amsterdam",
               "rotterdam", "utrecht", "ajax", "feyenoord", "beheerder", "medewerker")
# zxcvbn keeps the user inputs in a module-level dictionary while it scores: one at a time.
_LOCK = threading.Lock()


def _weak(message: str) -> GeoInsightError:
    return GeoInsightError(message, code="weak_password", status=400)


def check_password(name: str, password: object, min_score: int = DEFAULT_MIN_SCORE) -> None:
    """Raise ``weak_password`` (one line, fit for the CLI) unless ``password`` may be set."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise _weak(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise _weak(f"a password has at most {MAX_LENGTH} characters")
    if password.strip().lower() == name.lower():
        raise _weak("a password must not be the user name")
    score, hint = strength(name, password)
    if score < min_score:
        raise _weak(f"this password is too easy to guess (strength {score} of 4, at least "
                    f"{min_score} needed){': ' + hint if hint else ''}; a few unrelated words "
                    "make a strong one")


def strength(name: str, password: str) -> tuple[int, str]:
    """zxcvbn's score (0-4) of ``password`` for user ``name``, and its warning ('' if none)."""
    parts = [name, *name.replace("@", ".").replace("_", ".").replace("-", ".").split(".")]
    with _LOCK:
        result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[*DUTCH_WORDS, *parts])
    warning = str(result["feedback"].get("warning") or "").strip().rstrip(".")
    return int(result["score"]), warning
