import json
from unittest.mock import MagicMock

from panther_detection_helpers.caching import get_string_set

MODE = "on"


def rule(event):
    mode = MODE() if isinstance(MODE, MagicMock) else MODE
    if mode == "off":
        return False
    seen = get_string_set("known-users")
    if isinstance(seen, str):
        seen = set(json.loads(seen))
    return event.get("user") not in seen


def title(event):
    return f"New user {event.get('user')}"
