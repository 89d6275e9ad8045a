def policy(resource):
    rtype = resource.get("ResourceType")
    if rtype == "AWS.EC2.Volume":
        return bool(resource.get("Encrypted"))
    if rtype == "AWS.RDS.Instance":
        return bool(resource.get("StorageEncrypted"))
    sse = resource.get("SSEDescription") or {}
    return sse.get("Status") in ("ENABLED", "ENABLING")
