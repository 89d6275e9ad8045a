from panther_base_helpers import aws_rule_context, deep_get

SUSPICIOUS_EVENTS = {'PutRetentionPolicy', 'DeleteLogGroup'}


def rule(event):
    if event.get("eventSource") != 'logs.amazonaws.com':
        return False
    return event.get("eventName") in SUSPICIOUS_EVENTS and not event.get("errorCode")


def title(event):
    user = deep_get(event, "userIdentity", "arn", default="<UNKNOWN_ARN>")
    return f"[{event.get('eventName')}] by [{user}] in [{event.get('recipientAccountId')}]"


def alert_context(event):
    return aws_rule_context(event)
