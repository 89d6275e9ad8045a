def policy(resource):
    if resource.get("State", {}).get("Name") == "terminated":
        return True
    return resource["MetadataOptions"]["HttpTokens"] == "required"
