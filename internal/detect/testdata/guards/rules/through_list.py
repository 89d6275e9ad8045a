def rule(event):
    return event.deep_get("resources", "ARN", default="x") == "x"
