from panther_base_helpers import deep_get


def rule(event):
    return event.get("eventName") == "ConsoleLogin" and deep_get(event, "userIdentity", "type") == "Root"
