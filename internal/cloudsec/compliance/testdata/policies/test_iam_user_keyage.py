from datetime import datetime, timedelta

MAX_AGE = timedelta(days=90)
NOW = datetime(2026, 6, 1)


def _stale(report, n):
    if not report.get(f"AccessKey{n}Active"):
        return False
    rotated = report.get(f"AccessKey{n}LastRotated")
    return datetime.strptime(rotated[:19], "%Y-%m-%dT%H:%M:%S") < NOW - MAX_AGE


def policy(resource):
    report = resource.get("CredentialReport") or {}
    return not (_stale(report, 1) or _stale(report, 2))
