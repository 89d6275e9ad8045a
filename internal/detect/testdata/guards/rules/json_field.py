def rule(event):
    return event.deep_get("requestParameters", "bucketName") == "logs"
