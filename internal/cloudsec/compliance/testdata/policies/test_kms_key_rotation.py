def policy(resource):
    if resource.get("KeyManager") == "AWS":
        return True
    if resource.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return True
    return resource.get("KeyRotationEnabled") is True
