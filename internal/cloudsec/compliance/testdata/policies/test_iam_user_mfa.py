def policy(resource):
    report = resource.get("CredentialReport") or {}
    if not report.get("PasswordEnabled"):
        return True
    return bool(report.get("MfaActive"))
