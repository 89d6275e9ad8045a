def rule(event):
    if event.get("eventName") != "PutBucketPolicy":
        return False
    params = event.get("requestParameters") or {}
    policy = params.get("bucketPolicy") or {}
    for statement in policy.get("Statement") or []:
        if statement.get("Effect") == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"}):
            return True
    return False


def title(event):
    bucket = (event.get("requestParameters") or {}).get("bucketName")
    return f"S3 bucket {bucket} is readable by everyone"


def dedup(event):
    return (event.get("requestParameters") or {}).get("bucketName") or "unknown"
