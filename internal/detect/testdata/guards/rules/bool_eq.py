def rule(event):
    return event.get("managementEvent") == False
