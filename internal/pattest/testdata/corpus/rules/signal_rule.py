def rule(event):
    return True


def title(event):
    return "hidden for signals"


def dedup(event):
    return "hidden too"


def alert_context(event):
    return {"user": event.get("user")}
