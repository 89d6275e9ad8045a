from panther_base_helpers import aws_rule_context


def rule(event):
    if all(
        [
            event.get("eventSource", "") == 'secretsmanager.amazonaws.com',
            event.get("eventName", "") == 'GetSecretValue' or event.get("eventName", "") == 'DeleteSecret',
            not event.get("errorCode"),
        ]
    ):
        own = event.deep_get("userIdentity", "accountId", default="")
        added = event.deep_get("requestParameters", "valuesToAdd", default=[])
        if added:
            return any(account for account in added if account != own)
        return event.get("recipientAccountId") != own
    return False


def alert_context(event):
    return aws_rule_context(event)
