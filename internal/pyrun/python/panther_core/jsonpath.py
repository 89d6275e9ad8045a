"""A small JSONPath subset for data model Path mappings.

Supported without dependencies: bare names (``sourceIPAddress``), dotted
chains with or without the root (``$.userIdentity.arn``), bracketed quoted
names (``$['a.b']``) and integer indexes (``$.resources[0].ARN``). Anything
else (wildcards, filters, recursive descent) is handed to jsonpath_ng when it
is importable; otherwise compiling the path raises a ValueError that names
the path and what is missing.
"""

import re
from typing import Any, List, Tuple, Union

_NAME = re.compile(r"[A-Za-z_@$][A-Za-z0-9_@$\-:]*")


class Match:
    """One value found by a path, with its concrete location."""

    __slots__ = ("value", "full_path")

    def __init__(self, value: Any, full_path: str) -> None:
        self.value = value
        self.full_path = full_path


class SimplePath:
    """A compiled chain of names and indexes."""

    def __init__(self, text: str, steps: List[Union[str, int]]) -> None:
        self.text = text
        self.steps = steps

    def find(self, data: Any) -> List[Match]:
        """Return the single match of the chain, or no match."""
        cur = data
        for step in self.steps:
            if isinstance(step, int):
                if isinstance(cur, list) and -len(cur) <= step < len(cur):
                    cur = cur[step]
                    continue
                return []
            if isinstance(cur, dict) and step in cur:
                cur = cur[step]
                continue
            return []
        parts = [f"[{s}]" if isinstance(s, int) else s for s in self.steps]
        return [Match(cur, ".".join(parts))]

    def __str__(self) -> str:
        return self.text


class NgPath:
    """A path compiled by jsonpath_ng."""

    def __init__(self, text: str, compiled: Any) -> None:
        self.text = text
        self.compiled = compiled

    def find(self, data: Any) -> List[Match]:
        """Return every match found by jsonpath_ng."""
        return [Match(m.value, str(m.full_path)) for m in self.compiled.find(data)]

    def __str__(self) -> str:
        return self.text


def _parse_simple(text: str) -> Tuple[bool, List[Union[str, int]]]:
    s = text.strip()
    pos = 0
    steps: List[Union[str, int]] = []
    if s.startswith("$"):
        pos = 1
        if pos == len(s):
            return False, []
        if s[pos] == ".":
            pos += 1
    first = True
    while pos < len(s):
        ch = s[pos]
        if ch == "[":
            end = s.find("]", pos)
            if end < 0:
                return False, []
            inner = s[pos + 1 : end].strip()
            if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                steps.append(inner[1:-1])
            elif re.fullmatch(r"-?[0-9]+", inner):
                steps.append(int(inner))
            else:
                return False, []
            pos = end + 1
        else:
            if not first:
                if ch != ".":
                    return False, []
                pos += 1
                if pos < len(s) and s[pos] == "[":
                    continue
            m = _NAME.match(s, pos)
            if not m or m.group(0) == "$":
                return False, []
            steps.append(m.group(0))
            pos = m.end()
        first = False
    return bool(steps), steps


def compile_path(text: str) -> Any:
    """Compile a data model Path; raise ValueError when it cannot be handled."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"JSONPath [{text}] is empty")
    ok, steps = _parse_simple(text)
    if ok:
        return SimplePath(text, steps)
    try:
        from jsonpath_ng.ext import parse  # pylint: disable=import-outside-toplevel
    except ImportError as err:
        raise ValueError(
            f"JSONPath [{text}] uses wildcards, filters or recursive descent, which need the "
            f"jsonpath_ng package; it is not importable ({err})"
        ) from None
    try:
        return NgPath(text, parse(text))
    except Exception as err:  # pylint: disable=broad-except
        raise ValueError(f"JSONPath [{text}] does not parse: {err}") from None
