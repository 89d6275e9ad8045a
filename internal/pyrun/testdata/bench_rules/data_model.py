"""Data model methods for AWS.CloudTrail in the benchmark corpus."""

from panther_base_helpers import deep_get


def get_actor_user(event):
    """Return the acting user name or ARN."""
    return deep_get(event, "userIdentity", "userName") or deep_get(event, "userIdentity", "arn")
