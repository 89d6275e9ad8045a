"""Exception types shared by the detection runtime.

PantherError prints its first argument, followed by the remaining arguments
joined with commas, so that ``UnknownDestinationError("Invalid Destinations",
["a", "b"])`` reads ``Invalid Destinations: ['a', 'b']``.
"""

from typing import Any


class PantherError(Exception):
    """Base error of the detection runtime; comparable by type and arguments."""

    def equals(self, other: Any) -> bool:
        """Report whether other is the same kind of error with the same arguments."""
        return type(self) is type(other) and self.args == other.args

    def has_message_prefix(self, string: str) -> bool:
        """Report whether the first argument equals string."""
        return bool(self.args) and self.args[0] == string

    def __str__(self) -> str:
        if not self.args:
            return ""
        if len(self.args) > 1:
            return f'{self.args[0]}: {", ".join(map(str, self.args[1:]))}'
        return str(self.args[0])


class FunctionReturnTypeError(PantherError):
    """A detection function returned a value of the wrong type."""


class UnknownDestinationError(PantherError):
    """destinations() named destinations that are not configured."""

    def result(self) -> Any:
        """Return the list of unknown destination names."""
        return self.args[1] if len(self.args) > 1 else None


class DetectionTimeoutError(BaseException):
    """Raised inside a detection function that ran longer than the call timeout.

    It derives from BaseException so that a rule's ``except Exception`` does
    not swallow it.
    """
