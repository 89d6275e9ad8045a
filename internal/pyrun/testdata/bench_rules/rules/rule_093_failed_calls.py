ERROR_CODES = {"AccessDenied", "UnauthorizedOperation", "AccessDeniedException"}


def rule(event):
    return (
        event.get("eventSource") == 'rds.amazonaws.com'
        and event.get("errorCode") in ERROR_CODES
        and event.get("eventName", "").startswith('Modi')
    )


def title(event):
    return f"Access denied for {event.udm('actor_user') or event.deep_get('userIdentity', 'arn')}"


def severity(event):
    if event.deep_get("userIdentity", "type") == "Root":
        return "HIGH"
    return "DEFAULT"
