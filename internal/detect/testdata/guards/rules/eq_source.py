def rule(event):
    if event.get("eventSource") != "s3.amazonaws.com":
        return False
    return True
