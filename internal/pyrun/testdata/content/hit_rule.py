def rule(event):
    return event.get("hit") is True


def title(event):
    return f"hit {event.get('n')}"
