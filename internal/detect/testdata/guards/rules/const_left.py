def rule(event):
    return "us-east-1" == event.get("awsRegion")
