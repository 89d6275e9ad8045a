"""Helpers for code that behaves differently under unit-test mocks."""

from typing import Any
from unittest.mock import MagicMock


def is_mock(func: Any) -> bool:
    """Report whether func was replaced by a MagicMock (a unit-test Mock)."""
    return isinstance(func, MagicMock)
