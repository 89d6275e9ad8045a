from panther_base_helpers import deep_get, is_public_cidr


def rule(event):
    if event.get("eventName") not in ('PutBucketVersioning', 'DeleteBucket', 'PutBucketPolicy', 'DeleteBucketPolicy'):
        return False
    cidr = deep_get(event, "requestParameters", "cidrIp", default="")
    if cidr and is_public_cidr(cidr):
        return True
    policy = event.deep_get("requestParameters", "policyDocument", default="") or ""
    return '"Principal":"*"' in policy.replace(" ", "") or '"Action":"*"' in policy.replace(" ", "")


def title(event):
    return f"Permissive change {event.get('eventName')} in {event.get('awsRegion')}"


def alert_context(event):
    return {
        "params": event.deep_get("requestParameters"),
        "ip": event.get("sourceIPAddress"),
        "agent": event.get("userAgent"),
    }
