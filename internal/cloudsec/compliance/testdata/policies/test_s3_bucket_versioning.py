from cs_helpers import is_exempt


def policy(resource):
    if is_exempt(resource):
        return True
    versioning = resource.get("Versioning") or {}
    return versioning.get("Status") == "Enabled"


def title(resource):
    return f"S3 bucket {resource.get('Name')} does not keep object versions"
