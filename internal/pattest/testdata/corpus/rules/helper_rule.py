from helpers import describe, is_admin


def rule(event):
    return is_admin(event.get("user"))


def title(event):
    return describe(event)


def alert_context(event):
    return {"user": event.get("user"), "action": event.get("action")}
