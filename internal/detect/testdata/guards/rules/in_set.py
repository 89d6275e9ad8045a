NAMES = {"ConsoleLogin", "PutBucketPolicy"}

def rule(event):
    return event.get("eventName") in NAMES
