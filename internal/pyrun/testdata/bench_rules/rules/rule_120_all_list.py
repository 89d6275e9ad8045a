WATCHED = {'DeleteDetector', 'UpdateDetector'}

EXPECTED_POLICY = "arn:aws:iam::aws:policy/Bench120"


def rule(event):
    return all(
        [
            event.get("eventSource", "") == 'guardduty.amazonaws.com',
            event.get("eventName", "") in WATCHED,
            event.deep_get("requestParameters", "policyArn", default="") != EXPECTED_POLICY,
        ]
    )


def title(event):
    return f"{event.get('eventName')} on {event.deep_get('requestParameters', 'policyArn', default='?')}"
