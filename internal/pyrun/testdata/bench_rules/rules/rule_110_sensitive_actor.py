from panther_base_helpers import deep_get

ADMIN_ROLES = ("OrganizationAccountAccessRole", "AWSReservedSSO_AdministratorAccess")


def rule(event):
    if event.get("eventSource") not in ('signin.amazonaws.com', "sts.amazonaws.com"):
        return False
    arn = deep_get(event, "userIdentity", "sessionContext", "sessionIssuer", "arn", default="")
    if not any(role in arn for role in ADMIN_ROLES):
        return False
    return event.get("eventName") in ['ConsoleLogin'] and event.get("readOnly") is not True


def title(event):
    return f"Admin role used for {event.get('eventName')}"


def description(event):
    return "An administrative role performed a sensitive change: " + str(event.get("eventName"))
