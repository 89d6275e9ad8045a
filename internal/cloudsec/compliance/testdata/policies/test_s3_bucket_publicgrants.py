PUBLIC = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def policy(resource):
    block = resource.get("PublicAccessBlockConfiguration") or {}
    if block.get("IgnorePublicAcls"):
        return True
    for grant in resource.get("Grants") or []:
        if (grant.get("Grantee") or {}).get("URI") in PUBLIC:
            return False
    return True


def alert_context(resource):
    return {"bucket": resource.get("Name"), "grants": len(resource.get("Grants") or [])}
