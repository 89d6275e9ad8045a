"""Key-value cache for detections, backed by one SQLite file shared by all workers.

It keeps the semantics of panther_detection_helpers 1.0.x (DynamoDB based):
one item per key holding a counter, a string set and a dictionary, plus an
expiry time in epoch seconds. put_* calls overwrite the whole item. TTLs
below 1,000,000,000 are relative to now; a missing TTL means now + 90 days.

The database path comes from the PANTHER_KV_PATH environment variable (the
Go driver sets it). Every write runs in a BEGIN IMMEDIATE transaction, so
read-modify-write sequences such as increment_counter are atomic across
processes.
"""

import json
import os
import sqlite3
import threading
import time
from typing import Any, Mapping, Optional, Sequence, Set, Union

_EPOCH_SECONDS_DELTA_DEFAULT = 90 * (60 * 60 * 24)  # 90 days
_TABLE = "panther_kv"
_COUNT_COL = "intCount"
_STRING_SET_COL = "stringSet"
_DICT_COL = "dictionary"
_TTL_COL = "expiresAt"

_LOCK = threading.Lock()
_CONN: Optional[sqlite3.Connection] = None
_CONN_PATH: Optional[str] = None


def _now() -> int:
    return int(time.time())


def kv_table() -> sqlite3.Connection:
    """Return the lazily opened connection to the key-value store."""
    global _CONN, _CONN_PATH  # pylint: disable=global-statement
    path = os.environ.get("PANTHER_KV_PATH", "")
    if not path:
        raise RuntimeError(
            "panther_detection_helpers.caching: no key-value store configured "
            "(PANTHER_KV_PATH is empty); mock the caching functions in unit tests"
        )
    with _LOCK:
        if _CONN is None or _CONN_PATH != path:
            conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            try:
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                pass
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_TABLE} ("
                "key TEXT PRIMARY KEY, int_count INTEGER, string_set TEXT, "
                "dictionary TEXT, expires_at INTEGER)"
            )
            _CONN, _CONN_PATH = conn, path
        return _CONN


class _Tx:
    """A BEGIN IMMEDIATE transaction on the shared connection."""

    def __enter__(self) -> sqlite3.Connection:
        self.conn = kv_table()
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


def _row(conn: sqlite3.Connection, key: str) -> Optional[tuple]:
    return conn.execute(
        f"SELECT int_count, string_set, dictionary, expires_at FROM {_TABLE} WHERE key = ?", (key,)
    ).fetchone()


def _get_item(key: str) -> dict:
    row = _row(kv_table(), key)
    if row is None:
        return {}
    item: dict = {"key": key}
    if row[0] is not None:
        item[_COUNT_COL] = row[0]
    if row[1] is not None:
        item[_STRING_SET_COL] = set(json.loads(row[1]))
    if row[2] is not None:
        item[_DICT_COL] = row[2]
    if row[3] is not None:
        item[_TTL_COL] = row[3]
    return {"Item": item}


def _finalize_epoch_seconds(epoch_seconds: Any) -> int:
    if isinstance(epoch_seconds, str):
        epoch_seconds = float(epoch_seconds)
    if isinstance(epoch_seconds, float):
        epoch_seconds = int(epoch_seconds)
    if not isinstance(epoch_seconds, int) or isinstance(epoch_seconds, bool):
        epoch_seconds = _now() + _EPOCH_SECONDS_DELTA_DEFAULT
    if epoch_seconds < 1000000000:
        epoch_seconds = _now() + epoch_seconds
    return epoch_seconds


def ttl_expired(response: dict) -> bool:
    """Report whether an item (as returned by the store) is past its expiry time."""
    expiration = response.get("Item", {}).get(_TTL_COL, 0)
    return bool(expiration) and float(expiration) <= time.time()


def _live(row: Optional[tuple]) -> bool:
    return row is not None and row[3] is not None and row[3] >= _now()


def get_counter(key: str, force_ttl_check: bool = False) -> int:
    """Return the counter's value, 0 when missing (or expired with force_ttl_check)."""
    response = _get_item(key)
    if force_ttl_check and ttl_expired(response):
        return 0
    return response.get("Item", {}).get(_COUNT_COL, 0)


def increment_counter(key: str, val: int = 1, epoch_seconds: Optional[int] = _EPOCH_SECONDS_DELTA_DEFAULT) -> int:
    """Add val to the counter atomically and return the new count.

    When the item is new or expired the counter restarts at val. epoch_seconds
    None leaves the expiry untouched on a restart.
    """
    with _Tx() as conn:
        row = _row(conn, key)
        if _live(row):
            count = (row[0] or 0) + val
            conn.execute(
                f"UPDATE {_TABLE} SET int_count = ?, expires_at = ? WHERE key = ?",
                (count, _finalize_epoch_seconds(epoch_seconds), key),
            )
            return count
        expires = _finalize_epoch_seconds(epoch_seconds) if epoch_seconds is not None else (row[3] if row else None)
        conn.execute(
            f"INSERT INTO {_TABLE} (key, int_count, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET int_count = excluded.int_count, expires_at = excluded.expires_at",
            (key, val, expires),
        )
        return val


def reset_counter(key: str) -> None:
    """Remove the counter of key."""
    with _Tx() as conn:
        conn.execute(f"UPDATE {_TABLE} SET int_count = NULL WHERE key = ?", (key,))


def set_key_expiration(key: str, epoch_seconds: Optional[int]) -> None:
    """Set the expiry time of key (relative seconds below 1e9, else absolute)."""
    expires = _finalize_epoch_seconds(epoch_seconds)
    with _Tx() as conn:
        conn.execute(
            f"INSERT INTO {_TABLE} (key, expires_at) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at",
            (key, expires),
        )


def put_dictionary(key: str, val: Mapping, epoch_seconds: Optional[int] = None) -> None:
    """Overwrite the item of key with a JSON-serializable dictionary."""
    if not isinstance(val, Mapping):
        raise TypeError("panther_detection_helpers.put_dictionary: value is not a dictionary")
    try:
        data = json.dumps(val, default=_encoder)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "panther_detection_helpers.put_dictionary: value is a dictionary, but it is not JSON serializable"
        ) from exc
    _put(key, None, None, data, _finalize_epoch_seconds(epoch_seconds))


def _encoder(obj: Any) -> Any:
    container = getattr(obj, "_container", None)
    if container is not None:
        return container
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def get_dictionary(key: str, force_ttl_check: bool = False) -> dict:
    """Return the dictionary of key, {} when missing or expired (with force_ttl_check)."""
    response = _get_item(key)
    item = response.get("Item", {}).get(_DICT_COL, {})
    if not item:
        return {}
    if force_ttl_check and ttl_expired(response):
        return {}
    try:
        return json.loads(item)
    except json.decoder.JSONDecodeError as exc:
        raise ValueError(
            "panther_detection_helpers.get_dictionary: data found in the store could not be decoded into JSON"
        ) from exc


def _put(key: str, count: Any, string_set: Any, dictionary: Any, expires: Any) -> None:
    with _Tx() as conn:
        conn.execute(
            f"INSERT OR REPLACE INTO {_TABLE} (key, int_count, string_set, dictionary, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, count, string_set, dictionary, expires),
        )


def _encode_set(values: Set[str]) -> str:
    return json.dumps(sorted(values))


def get_string_set(key: str, force_ttl_check: bool = False) -> Set[str]:
    """Return the string set of key, empty when missing or expired (with force_ttl_check)."""
    response = _get_item(key)
    if force_ttl_check and ttl_expired(response):
        return set()
    return response.get("Item", {}).get(_STRING_SET_COL, set())


def put_string_set(key: str, val: Sequence[str], epoch_seconds: Optional[int] = None) -> None:
    """Overwrite the item of key with set(val); an empty val resets the set."""
    if not val:
        reset_string_set(key)
        return
    _put(key, None, _encode_set(set(val)), None, _finalize_epoch_seconds(epoch_seconds))


def _update_set(
    key: str, val: Union[str, Sequence[str]], epoch_seconds: Optional[int], add: bool
) -> Set[str]:
    items = {val} if isinstance(val, str) else set(val)
    if not items:
        return get_string_set(key, force_ttl_check=True)
    with _Tx() as conn:
        row = _row(conn, key)
        if _live(row):
            current = set(json.loads(row[1])) if row[1] is not None else set()
            current = current | items if add else current - items
            expires = _finalize_epoch_seconds(epoch_seconds) if epoch_seconds is not None else row[3]
        elif add:
            current = items
            expires = _finalize_epoch_seconds(epoch_seconds) if epoch_seconds is not None else (row[3] if row else None)
        else:
            if row is not None:
                conn.execute(f"UPDATE {_TABLE} SET string_set = NULL WHERE key = ?", (key,))
            return set()
        conn.execute(
            f"INSERT INTO {_TABLE} (key, string_set, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET string_set = excluded.string_set, expires_at = excluded.expires_at",
            (key, _encode_set(current) if current else None, expires),
        )
        return current


def add_to_string_set(
    key: str, val: Union[str, Sequence[str]], epoch_seconds: Optional[int] = _EPOCH_SECONDS_DELTA_DEFAULT
) -> Set[str]:
    """Add one string or a sequence of strings to the set of key and return the new set."""
    return _update_set(key, val, epoch_seconds, add=True)


def remove_from_string_set(
    key: str, val: Union[str, Sequence[str]], epoch_seconds: Optional[int] = _EPOCH_SECONDS_DELTA_DEFAULT
) -> Set[str]:
    """Remove strings from the set of key and return the new set (empty if it had expired)."""
    return _update_set(key, val, epoch_seconds, add=False)


def reset_string_set(key: str) -> None:
    """Remove the string set of key."""
    with _Tx() as conn:
        conn.execute(f"UPDATE {_TABLE} SET string_set = NULL WHERE key = ?", (key,))


def evaluate_threshold(key: str, threshold: int = 10, expiry_seconds: int = 3600) -> bool:
    """Count one hit; when the count reaches threshold, reset it and return True."""
    hourly_error_count = increment_counter(key, 1, expiry_seconds)
    if hourly_error_count >= threshold:
        reset_counter(key)
        return True
    return False


def check_account_age(key: Any) -> bool:
    """Report whether key names a string set that exists and has not expired."""
    if isinstance(key, str) and key != "":
        response = _get_item(key)
        item = response.get("Item", {})
        return bool(item.get(_STRING_SET_COL)) and not ttl_expired(response)
    return False
