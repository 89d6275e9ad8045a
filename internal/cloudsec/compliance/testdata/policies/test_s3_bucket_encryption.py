ALLOWED = {"AES256", "aws:kms", "aws:kms:dsse"}


def policy(resource):
    rules = resource.get("EncryptionRules") or []
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm") in ALLOWED:
            return True
    return False
