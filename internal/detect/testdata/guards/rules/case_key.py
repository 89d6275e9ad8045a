def rule(event):
    return event.get("EVENTNAME") == "ConsoleLogin"
