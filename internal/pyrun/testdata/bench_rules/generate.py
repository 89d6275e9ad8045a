"""Writes the benchmark corpus: CloudTrail rules in the panther-analysis style.

Run from this directory: python3 generate.py. The output is committed; this
script documents how it was made and rebuilds it (but for the order of the
sets it prints, which follows Python's string hashes).
"""

import os

SERVICES = {
    "iam.amazonaws.com": ["CreateUser", "DeleteUser", "AttachUserPolicy", "PutUserPolicy", "CreateAccessKey",
                          "UpdateAssumeRolePolicy", "CreateLoginProfile", "DeactivateMFADevice", "AddUserToGroup",
                          "PutRolePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion"],
    "s3.amazonaws.com": ["PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketPublicAccessBlock",
                         "DeleteBucketEncryption", "PutBucketLogging", "PutBucketVersioning", "DeleteBucket"],
    "ec2.amazonaws.com": ["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateNetworkAclEntry",
                          "ModifyInstanceAttribute", "RunInstances", "StopLogging", "DisableEbsEncryptionByDefault",
                          "CreateRoute", "ModifySnapshotAttribute", "DeleteFlowLogs"],
    "cloudtrail.amazonaws.com": ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"],
    "kms.amazonaws.com": ["ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy"],
    "signin.amazonaws.com": ["ConsoleLogin"],
    "sts.amazonaws.com": ["AssumeRole", "GetFederationToken", "GetSessionToken"],
    "lambda.amazonaws.com": ["UpdateFunctionCode20150331v2", "AddPermission20150331v2", "CreateFunction20150331"],
    "config.amazonaws.com": ["StopConfigurationRecorder", "DeleteDeliveryChannel"],
    "guardduty.amazonaws.com": ["DeleteDetector", "UpdateDetector", "DisassociateFromMasterAccount"],
    "rds.amazonaws.com": ["ModifyDBInstance", "RestoreDBInstanceFromDBSnapshot", "ModifyDBSnapshotAttribute"],
    "secretsmanager.amazonaws.com": ["GetSecretValue", "DeleteSecret"],
    "organizations.amazonaws.com": ["LeaveOrganization", "RemoveAccountFromOrganization"],
    "logs.amazonaws.com": ["DeleteLogGroup", "PutRetentionPolicy"],
}

TEMPLATES = []


def template(fn):
    TEMPLATES.append(fn)
    return fn


@template
def event_set(i, source, names):
    return f'''from panther_base_helpers import aws_rule_context, deep_get

SUSPICIOUS_EVENTS = {{{", ".join(repr(n) for n in names)}}}


def rule(event):
    if event.get("eventSource") != {source!r}:
        return False
    return event.get("eventName") in SUSPICIOUS_EVENTS and not event.get("errorCode")


def title(event):
    user = deep_get(event, "userIdentity", "arn", default="<UNKNOWN_ARN>")
    return f"[{{event.get('eventName')}}] by [{{user}}] in [{{event.get('recipientAccountId')}}]"


def alert_context(event):
    return aws_rule_context(event)
'''


@template
def root_activity(i, source, names):
    return f'''from panther_base_helpers import aws_cloudtrail_success, deep_get

WATCHED = {set(names)!r}


def rule(event):
    if event.deep_get("userIdentity", "type") != "Root":
        return False
    if event.deep_get("userIdentity", "invokedBy"):
        return False
    return aws_cloudtrail_success(event) and event.get("eventName") in WATCHED


def title(event):
    return f"Root user called {{event.get('eventName')}} from {{event.get('sourceIPAddress')}}"


def dedup(event):
    return event.get("sourceIPAddress", "<UNKNOWN_IP>")
'''


@template
def failed_calls(i, source, names):
    return f'''ERROR_CODES = {{"AccessDenied", "UnauthorizedOperation", "AccessDeniedException"}}


def rule(event):
    return (
        event.get("eventSource") == {source!r}
        and event.get("errorCode") in ERROR_CODES
        and event.get("eventName", "").startswith({names[0][:4]!r})
    )


def title(event):
    return f"Access denied for {{event.udm('actor_user') or event.deep_get('userIdentity', 'arn')}}"


def severity(event):
    if event.deep_get("userIdentity", "type") == "Root":
        return "HIGH"
    return "DEFAULT"
'''


@template
def request_params(i, source, names):
    return f'''from panther_base_helpers import deep_get, is_public_cidr


def rule(event):
    if event.get("eventName") not in {tuple(names)!r}:
        return False
    cidr = deep_get(event, "requestParameters", "cidrIp", default="")
    if cidr and is_public_cidr(cidr):
        return True
    policy = event.deep_get("requestParameters", "policyDocument", default="") or ""
    return '"Principal":"*"' in policy.replace(" ", "") or '"Action":"*"' in policy.replace(" ", "")


def title(event):
    return f"Permissive change {{event.get('eventName')}} in {{event.get('awsRegion')}}"


def alert_context(event):
    return {{
        "params": event.deep_get("requestParameters"),
        "ip": event.get("sourceIPAddress"),
        "agent": event.get("userAgent"),
    }}
'''


@template
def console_login(i, source, names):
    return f'''from panther_base_helpers import deep_get

REGIONS = {{"us-east-1", "us-west-2", "eu-west-1"}}


def rule(event):
    if event.get("eventName") != "ConsoleLogin":
        return False
    if deep_get(event, "responseElements", "ConsoleLogin") == "Failure":
        return True
    mfa = deep_get(event, "additionalEventData", "MFAUsed", default="No")
    return mfa != "Yes" and event.get("awsRegion") not in REGIONS and {i % 3} != 7


def title(event):
    return f"Console login issue for {{deep_get(event, 'userIdentity', 'userName', default='unknown')}}"


def runbook(event):
    return "Verify the login with the user."
'''


@template
def sensitive_actor(i, source, names):
    return f'''from panther_base_helpers import deep_get

ADMIN_ROLES = ("OrganizationAccountAccessRole", "AWSReservedSSO_AdministratorAccess")


def rule(event):
    if event.get("eventSource") not in ({source!r}, "sts.amazonaws.com"):
        return False
    arn = deep_get(event, "userIdentity", "sessionContext", "sessionIssuer", "arn", default="")
    if not any(role in arn for role in ADMIN_ROLES):
        return False
    return event.get("eventName") in {list(names)!r} and event.get("readOnly") is not True


def title(event):
    return f"Admin role used for {{event.get('eventName')}}"


def description(event):
    return "An administrative role performed a sensitive change: " + str(event.get("eventName"))
'''


@template
def resource_walk(i, source, names):
    return f'''def rule(event):
    if event.get("eventName") not in {set(names)!r}:
        return False
    arns = event.deep_walk("resources", "ARN", default=[])
    if isinstance(arns, str):
        arns = [arns]
    return any(":{i % 7}" in arn or arn.endswith("-prod") for arn in arns)


def title(event):
    return f"{{event.get('eventName')}} touched a production resource"
'''


# Extra templates, written after the first 112 rules so that those stay as they were: rule()
# shapes whose guards or helpers the compiler handles specially (all([...]) lists, a test
# followed by `return False`, a data model actor compared in a generator).
EXTRA_TEMPLATES = []


def extra_template(fn):
    EXTRA_TEMPLATES.append(fn)
    return fn


@extra_template
def all_list(i, source, names):
    return f'''WATCHED = {{{", ".join(repr(n) for n in names)}}}

EXPECTED_POLICY = "arn:aws:iam::aws:policy/Bench{i:03d}"


def rule(event):
    return all(
        [
            event.get("eventSource", "") == {source!r},
            event.get("eventName", "") in WATCHED,
            event.deep_get("requestParameters", "policyArn", default="") != EXPECTED_POLICY,
        ]
    )


def title(event):
    return f"{{event.get('eventName')}} on {{event.deep_get('requestParameters', 'policyArn', default='?')}}"
'''


@extra_template
def if_all(i, source, names):
    return f'''from panther_base_helpers import aws_rule_context


def rule(event):
    if all(
        [
            event.get("eventSource", "") == {source!r},
            event.get("eventName", "") == {names[0]!r} or event.get("eventName", "") == {names[-1]!r},
            not event.get("errorCode"),
        ]
    ):
        own = event.deep_get("userIdentity", "accountId", default="")
        added = event.deep_get("requestParameters", "valuesToAdd", default=[])
        if added:
            return any(account for account in added if account != own)
        return event.get("recipientAccountId") != own
    return False


def alert_context(event):
    return aws_rule_context(event)
'''


@extra_template
def actor_regions(i, source, names):
    return f'''from panther_base_helpers import deep_get


def scanner_regions():
    return ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"]


def rule(event):
    actor = event.udm("actor_user")
    if (
        any(actor == "BenchScanner{i:03d}-" + region for region in scanner_regions())
        and event.get("userAgent") == event.get("sourceIPAddress") == "scanner.example.com"
    ):
        return False
    return (
        event.get("eventName") in {tuple(names)!r}
        and deep_get(event, "userIdentity", "type", default="") != "AWSService"
    )


def title(event):
    return f"{{event.udm('actor_user')}} called {{event.get('eventName')}}"
'''


def write_rule(index, template_fn, source, chosen):
    rule_id = f"Bench.CloudTrail.{template_fn.__name__}.{index:03d}"
    stem = f"rule_{index:03d}_{template_fn.__name__}"
    with open(os.path.join("rules", stem + ".py"), "w", encoding="utf-8") as f:
        f.write(template_fn(index, source, chosen))
    with open(os.path.join("rules", stem + ".yml"), "w", encoding="utf-8") as f:
        f.write(
            f"AnalysisType: rule\nFilename: {stem}.py\nRuleID: {rule_id}\nEnabled: true\n"
            f"LogTypes:\n  - AWS.CloudTrail\nSeverity: {['Info', 'Low', 'Medium', 'High', 'Critical'][index % 5]}\n"
            f"DisplayName: Bench rule {index}\n"
        )


def main():
    os.makedirs("rules", exist_ok=True)
    index = 0
    services = sorted(SERVICES.items())
    while index < 112:
        for source, names in services:
            if index >= 112:
                break
            template_fn = TEMPLATES[index % len(TEMPLATES)]
            start = index % len(names)
            write_rule(index, template_fn, source, (names[start:] + names[:start])[: 2 + index % 4])
            index += 1
    services = [item for item in services if item[0] != "signin.amazonaws.com"]
    while index < 121:
        source, names = services[index % len(services)]
        write_rule(index, EXTRA_TEMPLATES[index % len(EXTRA_TEMPLATES)], source, names[: 2 + index % 3])
        index += 1


if __name__ == "__main__":
    main()
