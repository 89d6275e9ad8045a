"""Immutable, lazily wrapped views of decoded JSON events.

ImmutableCaseInsensitiveDict wraps a dict without copying it. Lookups try the
exact key first (one C-level dict probe) and only on a miss build, once, an
index from lower-cased keys to original keys; the first original key wins
when two keys differ only in case. Nested dicts and lists are wrapped on
access and the wrappers are cached, so repeated access from many rules costs
one probe.
"""

import copy as _copy
from collections.abc import Mapping, Sequence
from typing import Any, Iterator

_MISS = object()
_str = str
_dict = dict
_list = list


class ImmutableContainerMixin:
    """Marker base of the immutable containers."""

    __slots__ = ()

    @staticmethod
    def json_encoder(obj: Any) -> Any:
        """Return the raw container behind an immutable wrapper, for json.dumps(default=...)."""
        if isinstance(obj, ImmutableContainerMixin):
            return obj._container  # pylint: disable=protected-access
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _wrap(value: Any) -> Any:
    """Wrap a raw container; other values are returned unchanged."""
    t = type(value)
    if t is _dict:
        return _new_dict(value)
    if t is _list:
        return _new_list(value)
    if isinstance(value, ImmutableContainerMixin):
        return value
    if isinstance(value, Mapping):
        return _new_dict(value)
    if isinstance(value, _list):
        return _new_list(value)
    return value


class ImmutableCaseInsensitiveDict(ImmutableContainerMixin, Mapping):
    """A read-only mapping with case-insensitive key lookup."""

    __slots__ = ("_container", "_lc", "_kids")

    def __init__(self, container: Mapping) -> None:
        if isinstance(container, ImmutableContainerMixin):
            container = container._container
        self._container = _dict(container)
        self._lc = None
        self._kids = None

    def _index(self) -> dict:
        lc = {}
        for key in self._container:
            if type(key) is _str:
                lc.setdefault(key.lower(), key)
        self._lc = lc
        return lc

    def _child(self, key: Any, value: Any) -> Any:
        kids = self._kids
        if kids is None:
            kids = self._kids = {}
        w = kids.get(key)
        if w is None:
            w = kids[key] = _wrap(value)
        return w

    def __getitem__(self, key: Any) -> Any:
        value = self._container.get(key, _MISS)
        if value is _MISS:
            if not self._container:
                raise KeyError(key)
            if type(key) is not _str:
                raise KeyError(key)
            lc = self._lc
            if lc is None:
                lc = self._index()
            orig = lc.get(key.lower(), _MISS)
            if orig is _MISS:
                raise KeyError(key)
            key = orig
            value = self._container[orig]
        t = type(value)
        if t is _dict or t is _list:
            return self._child(key, value)
        if t is _str:
            return value
        return _wrap(value)

    def get(self, key: Any, default: Any = None) -> Any:
        value = self._container.get(key, _MISS)
        if value is _MISS:
            if type(key) is not _str:
                return default
            lc = self._lc
            if lc is None:
                lc = self._index()
            orig = lc.get(key.lower(), _MISS)
            if orig is _MISS:
                return default
            key = orig
            value = self._container[orig]
        t = type(value)
        if t is _str:
            return value
        if t is _dict or t is _list:
            return self._child(key, value)
        return _wrap(value)

    def __contains__(self, key: object) -> bool:
        if key in self._container:
            return True
        if type(key) is not _str:
            return False
        lc = self._lc
        if lc is None:
            lc = self._index()
        return key.lower() in lc

    def __iter__(self) -> Iterator:
        return iter(self._container)

    def __len__(self) -> int:
        return len(self._container)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ImmutableContainerMixin):
            other = other._container  # pylint: disable=protected-access
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._container == other if type(other) is _dict else self._container == _dict(other.items())

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._container)

    def __copy__(self) -> dict:
        return self.copy()

    def __deepcopy__(self, memo: dict) -> dict:
        return _copy.deepcopy(self._container, memo)

    def copy(self) -> dict:
        """Return a deep, mutable copy as a plain dict."""
        return _copy.deepcopy(self._container)

    def to_dict(self) -> dict:
        """Return a deep, mutable copy as a plain dict."""
        return _copy.deepcopy(self._container)


class ImmutableList(ImmutableContainerMixin, Sequence):
    """A read-only sequence; dict and list items are wrapped on access."""

    __slots__ = ("_container",)

    def __init__(self, container: Sequence) -> None:
        if isinstance(container, ImmutableContainerMixin):
            container = container._container
        self._container = tuple(container)

    def __getitem__(self, index: Any) -> Any:
        if type(index) is slice:
            return tuple(self._container[index])
        return _wrap(self._container[index])

    def __iter__(self) -> Iterator:
        for value in self._container:
            yield _wrap(value)

    def __len__(self) -> int:
        return len(self._container)

    def __contains__(self, value: object) -> bool:
        if isinstance(value, ImmutableContainerMixin):
            value = value._container  # pylint: disable=protected-access
        return value in self._container

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ImmutableContainerMixin):
            other = other._container  # pylint: disable=protected-access
        if isinstance(other, (_list, tuple)) or (isinstance(other, Sequence) and not isinstance(other, (_str, bytes))):
            return len(self._container) == len(other) and all(a == b for a, b in zip(self._container, other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(_list(self._container))

    def __copy__(self) -> list:
        return self.copy()

    def __deepcopy__(self, memo: dict) -> list:
        return _copy.deepcopy(_list(self._container), memo)

    def copy(self) -> list:
        """Return a deep, mutable copy as a plain list."""
        return _copy.deepcopy(_list(self._container))

    def as_list(self) -> list:
        """Return a deep, mutable copy as a plain list."""
        return _copy.deepcopy(_list(self._container))


def _new_dict(raw: Any) -> ImmutableCaseInsensitiveDict:
    obj = ImmutableCaseInsensitiveDict.__new__(ImmutableCaseInsensitiveDict)
    obj._container = raw if type(raw) is _dict else _dict(raw)  # pylint: disable=protected-access
    obj._lc = None  # pylint: disable=protected-access
    obj._kids = None  # pylint: disable=protected-access
    return obj


def _new_list(raw: Any) -> ImmutableList:
    obj = ImmutableList.__new__(ImmutableList)
    obj._container = raw  # pylint: disable=protected-access
    return obj


json_encoder = ImmutableContainerMixin.json_encoder
