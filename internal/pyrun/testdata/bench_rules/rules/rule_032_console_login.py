from panther_base_helpers import deep_get

REGIONS = {"us-east-1", "us-west-2", "eu-west-1"}


def rule(event):
    if event.get("eventName") != "ConsoleLogin":
        return False
    if deep_get(event, "responseElements", "ConsoleLogin") == "Failure":
        return True
    mfa = deep_get(event, "additionalEventData", "MFAUsed", default="No")
    return mfa != "Yes" and event.get("awsRegion") not in REGIONS and 2 != 7


def title(event):
    return f"Console login issue for {deep_get(event, 'userIdentity', 'userName', default='unknown')}"


def runbook(event):
    return "Verify the login with the user."
