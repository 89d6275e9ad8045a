def rule(event):
    return event.get("eventTime") == "2024-10-15 12:00:00.000000000"
