def rule(event):
    if event.get("eventName") not in {'GetFederationToken', 'GetSessionToken', 'AssumeRole'}:
        return False
    arns = event.deep_walk("resources", "ARN", default=[])
    if isinstance(arns, str):
        arns = [arns]
    return any(":6" in arn or arn.endswith("-prod") for arn in arns)


def title(event):
    return f"{event.get('eventName')} touched a production resource"
