def rule(event):
    return event.get("errorCode") and True
