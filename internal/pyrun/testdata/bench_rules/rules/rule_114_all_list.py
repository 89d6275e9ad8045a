WATCHED = {'PutBucketPolicy', 'DeleteBucketPolicy'}

EXPECTED_POLICY = "arn:aws:iam::aws:policy/Bench114"


def rule(event):
    return all(
        [
            event.get("eventSource", "") == 's3.amazonaws.com',
            event.get("eventName", "") in WATCHED,
            event.deep_get("requestParameters", "policyArn", default="") != EXPECTED_POLICY,
        ]
    )


def title(event):
    return f"{event.get('eventName')} on {event.deep_get('requestParameters', 'policyArn', default='?')}"
