def policy(resource):
    return resource["LogFileValidationEnabled"] and resource.get("IsMultiRegionTrail", False)
