def rule(event):
    return event.get("errorCode", "none") == "none"
