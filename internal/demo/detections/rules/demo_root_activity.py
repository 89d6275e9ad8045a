def rule(event):
    identity = event.get("userIdentity") or {}
    return identity.get("type") == "Root" and event.get("eventType") != "AwsServiceEvent"


def title(event):
    return f"Root account called {event.get('eventName')} from {event.get('sourceIPAddress')}"


def dedup(event):
    return event.get("eventName")
