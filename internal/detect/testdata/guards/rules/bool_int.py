def rule(event):
    return event.get("readOnly") == 1
