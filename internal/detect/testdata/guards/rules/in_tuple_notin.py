def rule(event):
    if event.get("eventName") not in ("RunInstances", "DeleteBucket"):
        return False
    return event.get("awsRegion") == "us-east-1"
