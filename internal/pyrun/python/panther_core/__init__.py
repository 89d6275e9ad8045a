"""Detection runtime modules compatible with panther_core (our own implementation)."""

from .data_model import DataModel
from .enriched_event import PantherEvent, deep_get, deep_walk
from .exceptions import FunctionReturnTypeError, PantherError, UnknownDestinationError
from .immutable import ImmutableCaseInsensitiveDict, ImmutableList

__all__ = [
    "DataModel",
    "PantherEvent",
    "PantherError",
    "FunctionReturnTypeError",
    "UnknownDestinationError",
    "ImmutableCaseInsensitiveDict",
    "ImmutableList",
    "deep_get",
    "deep_walk",
]
