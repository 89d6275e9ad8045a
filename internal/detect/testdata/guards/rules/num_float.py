def rule(event):
    return event.get("ratio") == 0.5
