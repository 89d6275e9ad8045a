def rule(event):
    return True


def severity(event):
    return "critical"


def destinations(event):
    return ["slack-" + event.get("team")]
