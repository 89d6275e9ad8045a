from panther_base_helpers import aws_cloudtrail_success, deep_get

WATCHED = {'RemoveAccountFromOrganization', 'LeaveOrganization'}


def rule(event):
    if event.deep_get("userIdentity", "type") != "Root":
        return False
    if event.deep_get("userIdentity", "invokedBy"):
        return False
    return aws_cloudtrail_success(event) and event.get("eventName") in WATCHED


def title(event):
    return f"Root user called {event.get('eventName')} from {event.get('sourceIPAddress')}"


def dedup(event):
    return event.get("sourceIPAddress", "<UNKNOWN_IP>")
