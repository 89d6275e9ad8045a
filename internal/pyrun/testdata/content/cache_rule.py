from panther_detection_helpers import caching


def rule(event):
    count = caching.increment_counter("logins-" + event.get("user"), epoch_seconds=event.get("ttl", 3600))
    caching.add_to_string_set("users", event.get("user"))
    return count >= 2


def alert_context(event):
    return {
        "count": caching.get_counter("logins-" + event.get("user")),
        "users": sorted(caching.get_string_set("users")),
    }
