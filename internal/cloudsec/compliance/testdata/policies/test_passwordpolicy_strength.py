def policy(resource):
    if not resource.get("AnyExist"):
        return False
    return (
        resource.get("MinimumPasswordLength", 0) >= 14
        and resource.get("RequireSymbols") is True
        and resource.get("PasswordReusePrevention", 0) >= 24
    )
