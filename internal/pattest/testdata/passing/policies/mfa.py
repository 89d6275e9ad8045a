def policy(resource):
    return bool(resource.get("MfaActive"))
