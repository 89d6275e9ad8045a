"""Global helpers for the benchmark corpus (in the style of panther-analysis)."""

import ipaddress
from collections.abc import Mapping
from functools import reduce


def deep_get(dictionary, *keys, default=None):
    """Safely return the value of an arbitrarily nested map."""
    out = reduce(lambda d, key: d.get(key, default) if isinstance(d, Mapping) else default, keys, dictionary)
    if out is None:
        return default
    return out


def aws_cloudtrail_success(event):
    """Report whether the CloudTrail call succeeded."""
    return not event.get("errorCode") and not event.get("errorMessage")


def aws_rule_context(event):
    """Common alert context of CloudTrail rules."""
    return {
        "eventName": event.get("eventName", "<MISSING_EVENT_NAME>"),
        "eventSource": event.get("eventSource", "<MISSING_ACCOUNT_ID>"),
        "awsRegion": event.get("awsRegion", "<MISSING_AWS_REGION>"),
        "recipientAccountId": event.get("recipientAccountId", "<MISSING_ACCOUNT_ID>"),
        "sourceIPAddress": event.get("sourceIPAddress", "<MISSING_SOURCE_IP>"),
        "userAgent": event.get("userAgent", "<MISSING_USER_AGENT>"),
        "userIdentity": event.get("userIdentity", "<MISSING_USER_IDENTITY>"),
    }


def is_public_cidr(cidr):
    """Report whether a CIDR is internet-routable."""
    try:
        return ipaddress.ip_network(cidr, strict=False).is_global
    except ValueError:
        return False
