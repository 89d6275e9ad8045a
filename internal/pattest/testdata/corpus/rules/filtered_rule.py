def rule(event):
    return event.get("action") == "delete"


def title(event):
    return f"Delete in {event.get('env')}"
