"""PantherEvent: the immutable, case-insensitive event handed to rules."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from .exceptions import PantherError
from .immutable import (
    ImmutableCaseInsensitiveDict,
    ImmutableContainerMixin,
    ImmutableList,
    _new_dict,
    _wrap,
)

_MISS = object()
_ICD = ImmutableCaseInsensitiveDict


class PantherEvent(ImmutableCaseInsensitiveDict):  # pylint: disable=too-many-ancestors
    """An event with deep_get, deep_walk, udm and the other rule helpers."""

    __slots__ = ("data_model", "_lookup")

    def __init__(self, event: Any, data_model: Any = None) -> None:  # pylint: disable=super-init-not-called
        if isinstance(event, ImmutableContainerMixin):
            event = event._container  # pylint: disable=protected-access
        if isinstance(event, Mapping):
            self._container = dict(event)
        else:
            self._container = event
        self._lc = None
        self._kids = None
        self.data_model = data_model
        self._lookup = None

    @classmethod
    def _adopt(cls, raw: dict, data_model: Any = None, lookup: Optional[Callable] = None) -> "PantherEvent":
        """Wrap a freshly decoded dict without copying it (used by the worker)."""
        obj = cls.__new__(cls)
        obj._container = raw
        obj._lc = None
        obj._kids = None
        obj.data_model = data_model
        obj._lookup = lookup
        return obj

    def deep_get(self, *keys: Any, default: Any = None) -> Any:
        """Walk nested mappings by keys; return default when a step is missing or the value is None."""
        out: Any = self
        for key in keys:
            t = type(out)
            if t is PantherEvent or t is _ICD or isinstance(out, Mapping):
                out = out.get(key, default)
            else:
                out = default
        if out is None:
            return default
        return out

    def deep_walk(self, *keys: Any, default: Any = None, return_val: str = "all") -> Any:
        """Like deep_get, but apply the remaining keys to every element of lists met on the way.

        As in panther_core, a container found at the end of the walk comes back as a plain,
        mutable dict or list (a copy: changing it does not change the event), so
        ``isinstance(value, list)`` holds and its items have ``.get``.
        """
        value = deep_walk(self, *keys, default=default, return_val=return_val)
        if isinstance(value, ImmutableContainerMixin):
            return value.copy()
        return value

    def udm(self, *key: Any, default: Any = None) -> Any:
        """Return a data-model field, falling back to p_udm and then to the raw event."""
        dm = self.data_model
        if dm is not None and len(key) == 1:
            name = key[0]
            path = dm.paths.get(name)
            if path is not None:
                matches = path.find(self._container)
                if len(matches) == 1:
                    return _wrap(matches[0].value)
                if len(matches) > 1:
                    raise Exception(  # pylint: disable=broad-exception-raised
                        f"JSONPath [{path}] in DataModel [{dm.data_model_id}], matched multiple fields."
                    )
            method = dm.methods.get(name)
            if method is not None:
                return _wrap(method(_new_dict(self._container)))
        value = self.deep_get("p_udm", *key)
        if value:
            return value
        value = self.deep_get(*key)
        if value:
            return value
        return default

    def udm_path(self, key: str) -> Any:
        """Return the concrete JSONPath (or method name) a data-model field resolves to."""
        dm = self.data_model
        if dm is None:
            raise PantherError(f"a data model hasn't been specified for log type: {self.get('p_log_type')}")
        path = dm.paths.get(key)
        if path is not None:
            matches = path.find(self._container)
            if len(matches) == 1:
                return matches[0].full_path
            if len(matches) > 1:
                raise Exception(  # pylint: disable=broad-exception-raised
                    f"JSONPath [{path}] in DataModel [{dm.data_model_id}], matched multiple fields."
                )
        method = dm.methods.get(key)
        if method is not None:
            return method.__name__
        return None

    def lookup(self, lookup_table_name: str, lookup_key: str) -> Any:
        """Look up enrichment data; tests read it from _mocked_lookup_data_."""
        if self._lookup is not None:
            return _wrap(self._lookup(lookup_table_name, lookup_key))
        return self.deep_get("_mocked_lookup_data_", lookup_table_name, lookup_key)

    def event_time_epoch(self, force_utc: bool = True) -> int:
        """Return p_event_time as integer epoch seconds, or 0 when it does not parse."""
        raw = self.get("p_event_time")
        if not isinstance(raw, str):
            return 0
        try:
            from dateutil import parser  # pylint: disable=import-outside-toplevel

            text = raw + " UTC" if force_utc else raw
            return int(parser.parse(text).timestamp())
        except ImportError:
            try:
                parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
                if force_utc or parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=timezone.utc)
                return int(parsed.timestamp())
            except ValueError:
                return 0
        except Exception:  # pylint: disable=broad-except
            return 0


def deep_walk(obj: Any, *keys: Any, default: Any = None, return_val: str = "all") -> Any:
    """Walk obj by keys, fanning out over lists; see PantherEvent.deep_walk."""

    def empty(value: Any) -> bool:
        if isinstance(value, (list, tuple, ImmutableList)):
            return all(empty(v) for v in value)
        return False

    if not keys:
        if obj is None or (isinstance(obj, (list, tuple, ImmutableList)) and empty(obj)):
            return default
        return obj
    if isinstance(obj, Mapping):
        nxt = obj.get(keys[0], None)
        if nxt is None:
            return default
        return deep_walk(nxt, *keys[1:], default=default, return_val=return_val)
    found: dict = {}
    if isinstance(obj, Sequence) and not isinstance(obj, (str, bytes)):
        for item in obj:
            value = deep_walk(item, *keys, default=default, return_val=return_val)
            if value is None:
                continue
            if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
                for sub in value:
                    found[sub] = None
            else:
                found[value] = None
    if not found:
        return default
    values = list(found)
    if return_val == "first":
        return values[0]
    if return_val == "last":
        return values[-1]
    if return_val == "all":
        return values[0] if len(values) == 1 else values
    return "all"


def deep_get(obj: Any, *keys: Any, default: Any = None) -> Any:
    """Walk nested mappings by keys; return default when a step is missing or the value is None."""
    out = obj
    for key in keys:
        out = out.get(key, default) if isinstance(out, Mapping) else default
    return default if out is None else out


json_encoder = ImmutableContainerMixin.json_encoder
PantherEvent.json_encoder = staticmethod(ImmutableContainerMixin.json_encoder)  # type: ignore[attr-defined]
