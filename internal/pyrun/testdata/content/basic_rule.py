import helpers_global


def rule(event):
    return event.get("eventName") == "ConsoleLogin" and helpers_global.is_admin(event.deep_get("userIdentity", "userName", default=""))


def title(event):
    return f"Admin login by {event.deep_get('useridentity', 'USERNAME')}"


def severity(event):
    if event.get("p_log_type") == "Test.Default":
        return "default"
    return "high"


def alert_context(event):
    return {"user": event.deep_get("userIdentity"), "n": 1}


def destinations(event):
    if event.get("dest") is None:
        return None
    return event.get("dest").copy()


def description(event):
    return "x" * 2000
