def rule(event):
    if event.get("eventName") == "ConsoleLogin" or event.get("awsRegion") == "eu-west-1":
        return False
    return True
