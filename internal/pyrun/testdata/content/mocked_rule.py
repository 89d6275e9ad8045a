import json
from unittest.mock import MagicMock

from panther_detection_helpers.caching import get_string_set

ENABLED = True


def rule(event):
    global ENABLED  # pylint: disable=global-statement
    if isinstance(ENABLED, MagicMock):
        ENABLED = ENABLED()
    if not ENABLED:
        return False
    known = get_string_set("known-users")
    if isinstance(known, str):
        known = set(json.loads(known))
    return event.get("user") not in known
