def _open_to_world(perm):
    ranges = [r.get("CidrIp") for r in perm.get("IpRanges") or []]
    ranges += [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges") or []]
    return "0.0.0.0/0" in ranges or "::/0" in ranges


def policy(resource):
    for perm in resource.get("IpPermissions") or []:
        if perm.get("IpProtocol") == "-1" and _open_to_world(perm):
            return False
        low, high = perm.get("FromPort"), perm.get("ToPort")
        if low is not None and high is not None and low <= 22 <= high and _open_to_world(perm):
            return False
    return True
