"""Users of the dashboard (app state). Passwords are bcrypt hashes.

Managed with ``python -m pipelines users add|disable|reset-password|list``;
demo accounts exist only while the imported data is the sample practice.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import bcrypt

from pipelines import clock
from pipelines.appstate import auth_sessions
from pipelines.appstate.db import AppState

ROLES = ("clinician", "supervisor", "manager")
MIN_PASSWORD_LENGTH = 12
BCRYPT_ROUNDS = 12  # bcrypt's cost: 2**12 rounds, about a quarter of a second per check
MAX_PASSWORD_BYTES = 72  # bcrypt reads at most 72 bytes of a password (bcrypt 5 refuses more)
DEMO_PASSWORD = "momentum-demo"


class UserError(ValueError):
    """A user change that cannot be made; the message says why."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    clinician_id: str | None
    active: bool
    is_demo: bool


def _now() -> str:
    return clock.instant().isoformat(timespec="seconds")


COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common_passwords.txt"
# Runs of keys a person types without thinking; a password inside one is refused.
SEQUENCES = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm",
             "azertyuiopqsdfghjklmwxcvbn", "qwertzuiopasdfghjklyxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm")


@cache
def common_passwords() -> frozenset[str]:
    """The common-password list (Openwall's password.lst, public domain), lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8", errors="replace").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#!comment"))


def _common_reason(password: str) -> str | None:
    low = password.lower()
    core = low.strip(string.digits + string.punctuation + " ")
    common = common_passwords()
    if low in common or core in common:
        return "it is on a list of commonly used passwords"
    for n in range(1, len(core) // 2 + 1):
        if len(core) % n == 0 and core[:n] * (len(core) // n) == core:
            return "it repeats a shorter pattern"
    if len(set(low)) <= 3:
        return "it uses three different characters or fewer"
    compact = low.replace(" ", "")
    if any(compact in seq or compact in seq[::-1] for seq in SEQUENCES):
        return "it is a run of keys on the keyboard or of the alphabet"
    return None


def check_password_rules(password: str) -> None:
    """At least 12 characters and not a common or trivially guessable password (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if too_long(password):
        raise UserError(f"passwords can be at most {MAX_PASSWORD_BYTES} bytes (bcrypt's limit; "
                        f"{len(password.encode('utf-8'))} given): choose a shorter passphrase")
    reason = _common_reason(password)
    if reason:
        raise UserError(f"choose another password: {reason}")


def too_long(password: str) -> bool:
    return len(password.encode("utf-8")) > MAX_PASSWORD_BYTES


def normalise_username(username: str) -> str:
    """Usernames are not case-sensitive: stored, and looked up, in lower case."""
    return username.strip().lower()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")


def add_user(
    state: AppState,
    username: str,
    display_name: str,
    role: str,
    password: str,
    clinician_id: str | None = None,
    is_demo: bool = False,
) -> User:
    username = normalise_username(username)
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise UserError("usernames use letters, digits, '.', '-' and '_' only")
    if role != "manager" and not clinician_id:
        raise UserError(f"a {role} needs --clinician-id (their clinician_id in the exports)")
    check_password_rules(password)
    now = _now()
    with state.transaction() as con:
        if con.execute(con.q("users", "exists"), (username,)).fetchone():
            raise UserError(f"user {username!r} already exists")
        con.execute(
            con.q("users", "insert"),
            (username, display_name, role, clinician_id, hash_password(password), int(is_demo), now, now),
        )
    return User(username, display_name, role, clinician_id, True, is_demo)


def set_active(state: AppState, username: str, active: bool) -> None:
    username = normalise_username(username)
    with state.transaction() as con:
        cur = con.execute(con.q("users", "set_active"), (int(active), _now(), username))
        if cur.rowcount == 0:
            raise UserError(f"no user {username!r}")
    if not active:
        # revoke access at once: the user's open sessions end, even with a valid cookie
        auth_sessions.end_all_for_user(state, username, "disabled")


def reset_password(state: AppState, username: str, password: str) -> None:
    username = normalise_username(username)
    check_password_rules(password)
    with state.transaction() as con:
        cur = con.execute(con.q("users", "set_password"), (hash_password(password), _now(), username))
        if cur.rowcount == 0:
            raise UserError(f"no user {username!r}")
        # a new password is a new pulse key: the pulse closes for the rest of this period (pipelines/appstate/pulse.py)
        con.execute(con.q("users", "record_reset"), (username, clock.today().isoformat()))
    auth_sessions.end_all_for_user(state, username, "password reset")


def password_reset_days(state: AppState, username: str) -> list[date]:
    """The practice days on which ``username``'s password was reset, oldest first."""
    with state.reading() as con:
        rows = con.execute(con.q("users", "reset_days"), (normalise_username(username),)).fetchall()
    return [date.fromisoformat(r["reset_on"]) for r in rows]


def list_users(state: AppState) -> list[User]:
    with state.reading() as con:
        rows = con.execute(con.q("users", "list")).fetchall()
    return [
        User(r["username"], r["display_name"], r["role"], r["clinician_id"], bool(r["active"]), bool(r["is_demo"]))
        for r in rows
    ]


def password_hashes(state: AppState) -> dict[str, str]:
    """username -> bcrypt hash, active users only (for the sign-in form)."""
    with state.reading() as con:
        rows = con.execute(con.q("users", "password_hashes")).fetchall()
    return {r["username"]: r["password_hash"] for r in rows}


def get_user(state: AppState, username: str) -> User | None:
    username = normalise_username(username)
    return next((u for u in list_users(state) if u.username == username), None)


def check_password(state: AppState, username: str, password: str) -> bool:
    hashes = password_hashes(state)
    stored = hashes.get(normalise_username(username))
    if stored is None or too_long(password):
        refuse_at_equal_cost(password)
        return False
    return bcrypt.checkpw(password.encode("utf-8"), stored.encode("ascii"))


def refuse_at_equal_cost(password: str) -> None:
    """Spend one bcrypt check on a refused sign-in (unknown, locked or disabled
    account), so the time taken does not tell it from a wrong password."""
    bcrypt.checkpw(password.encode("utf-8")[:MAX_PASSWORD_BYTES], _dummy_hash())


@cache
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
