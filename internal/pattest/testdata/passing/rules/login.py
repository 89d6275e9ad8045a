def rule(event):
    return event.get("user") == "root"


def title(event):
    return f"{event.get('user')} logged in"
