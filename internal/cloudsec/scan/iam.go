package scan

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// IAM resource types (global).
const (
	TypeIAMUser        = "AWS.IAM.User"
	TypeIAMRootUser    = "AWS.IAM.RootUser"
	TypeIAMGroup       = "AWS.IAM.Group"
	TypeIAMPolicy      = "AWS.IAM.Policy"
	TypeIAMRole        = "AWS.IAM.Role"
	TypePasswordPolicy = "AWS.PasswordPolicy"
)

func init() {
	register(&resourceType{name: TypeIAMUser, global: true, list: listIAMUsers})
	register(&resourceType{name: TypeIAMRootUser, global: true, list: listIAMRoot})
	register(&resourceType{name: TypeIAMGroup, global: true, list: listIAMGroups})
	register(&resourceType{name: TypeIAMPolicy, global: true, list: listIAMPolicies})
	register(&resourceType{name: TypeIAMRole, global: true, list: listIAMRoles, one: oneIAMRole})
	register(&resourceType{name: TypePasswordPolicy, global: true, list: listPasswordPolicy})
}

// credentialReport reads the account's credential report (generating it first), by user ARN.
func credentialReport(ctx context.Context, e *env, region string) (map[string]map[string]any, error) {
	c := e.iam(region)
	for i := 0; ; i++ {
		g, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, err
		}
		if g.State == iamtypes.ReportStateTypeComplete {
			break
		}
		if i >= 10 {
			return nil, errors.New("credential report still not complete")
		}
		t := time.NewTimer(2 * time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	rep, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		return nil, err
	}
	return parseCredentialReport(rep.Content)
}

// credentialReportFields maps the report's CSV columns to Panther's attribute names.
var credentialReportFields = map[string]string{
	"user": "UserName", "arn": "ARN", "user_creation_time": "UserCreationTime",
	"password_enabled": "PasswordEnabled", "password_last_used": "PasswordLastUsed",
	"password_last_changed": "PasswordLastChanged", "password_next_rotation": "PasswordNextRotation",
	"mfa_active":          "MfaActive",
	"access_key_1_active": "AccessKey1Active", "access_key_1_last_rotated": "AccessKey1LastRotated",
	"access_key_1_last_used_date": "AccessKey1LastUsedDate", "access_key_1_last_used_region": "AccessKey1LastUsedRegion",
	"access_key_1_last_used_service": "AccessKey1LastUsedService",
	"access_key_2_active":            "AccessKey2Active", "access_key_2_last_rotated": "AccessKey2LastRotated",
	"access_key_2_last_used_date": "AccessKey2LastUsedDate", "access_key_2_last_used_region": "AccessKey2LastUsedRegion",
	"access_key_2_last_used_service": "AccessKey2LastUsedService",
	"cert_1_active":                  "Cert1Active", "cert_1_last_rotated": "Cert1LastRotated",
	"cert_2_active": "Cert2Active", "cert_2_last_rotated": "Cert2LastRotated",
}

func parseCredentialReport(content []byte) (map[string]map[string]any, error) {
	rows, err := csv.NewReader(strings.NewReader(string(content))).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("credential report: %w", err)
	}
	if len(rows) == 0 {
		return nil, errors.New("credential report: empty")
	}
	head := rows[0]
	out := map[string]map[string]any{}
	for _, row := range rows[1:] {
		m := map[string]any{}
		for i, col := range head {
			name, ok := credentialReportFields[col]
			if !ok || i >= len(row) {
				continue
			}
			v := row[i]
			switch {
			case v == "true" || v == "false":
				m[name] = v == "true"
			case v == "N/A" || v == "not_supported" || v == "no_information" || v == "":
				m[name] = nil
			default:
				if t, err := time.Parse(time.RFC3339, v); err == nil {
					m[name] = t.UTC().Format(time.RFC3339)
				} else {
					m[name] = v
				}
			}
		}
		arn, _ := m["ARN"].(string)
		out[arn] = m
	}
	return out, nil
}

// virtualMFAs lists the virtual MFA devices by user ARN.
func virtualMFAs(ctx context.Context, e *env, region string) (map[string]any, error) {
	out := map[string]any{}
	p := iam.NewListVirtualMFADevicesPaginator(e.iam(region), &iam.ListVirtualMFADevicesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.VirtualMFADevices {
			if d.User != nil {
				out[str(d.User.Arn)] = map[string]any{"EnableDate": toJSON(d.EnableDate), "SerialNumber": str(d.SerialNumber)}
			}
		}
	}
	return out, nil
}

func iamTags(ts []iamtypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[str(t.Key)] = str(t.Value)
	}
	return m
}

// policyDoc decodes a URL-encoded IAM policy document.
func policyDoc(s *string) any {
	if s == nil {
		return nil
	}
	d, err := url.QueryUnescape(*s)
	if err != nil {
		return *s
	}
	return d
}

func listIAMUsers(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.iam(region)
	report, err := credentialReport(ctx, e, region)
	if err != nil {
		return nil, err
	}
	mfas, err := virtualMFAs(ctx, e, region)
	if err != nil {
		return nil, err
	}
	var out []cloudsec.Snapshot
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Users {
			name := aws.String(str(u.UserName))
			tags, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: name})
			if err != nil {
				return nil, err
			}
			arn := str(u.Arn)
			sn := snapshot(u, TypeIAMUser, arn, arn, str(u.UserName), e.account, cloudsec.GlobalRegion, iamTags(tags.Tags), u.CreateDate)
			sn["Id"] = str(u.UserId)
			groups, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: name})
			if err != nil {
				return nil, err
			}
			sn["Groups"] = toJSON(groups.Groups)
			inline := map[string]any{}
			pols, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: name})
			if err != nil {
				return nil, err
			}
			for _, pn := range pols.PolicyNames {
				d, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: name, PolicyName: aws.String(pn)})
				if err != nil {
					return nil, err
				}
				inline[pn] = policyDoc(d.PolicyDocument)
			}
			sn["InlinePolicies"] = inline
			att, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: name})
			if err != nil {
				return nil, err
			}
			var managed []any
			for _, a := range att.AttachedPolicies {
				managed = append(managed, str(a.PolicyName))
			}
			sn["ManagedPolicyNames"] = managed
			if r, ok := report[arn]; ok {
				sn["CredentialReport"] = r
			} else {
				sn["CredentialReport"] = nil
			}
			sn["VirtualMFA"] = mfas[arn]
			out = append(out, sn)
		}
	}
	return out, nil
}

func listIAMRoot(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	report, err := credentialReport(ctx, e, region)
	if err != nil {
		return nil, err
	}
	mfas, err := virtualMFAs(ctx, e, region)
	if err != nil {
		return nil, err
	}
	arn := "arn:aws:iam::" + e.account + ":root"
	r := report[arn]
	if r == nil {
		return nil, nil
	}
	var created *time.Time
	if s, ok := r["UserCreationTime"].(string); ok {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			created = &t
		}
	}
	sn := snapshot(nil, TypeIAMRootUser, arn, arn, "<root_account>", e.account, cloudsec.GlobalRegion, nil, created)
	sn["UserId"] = e.account
	sn["CredentialReport"] = r
	sn["VirtualMFA"] = mfas[arn]
	return []cloudsec.Snapshot{sn}, nil
}

func listIAMGroups(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.iam(region)
	var out []cloudsec.Snapshot
	p := iam.NewListGroupsPaginator(c, &iam.ListGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.Groups {
			name := aws.String(str(g.GroupName))
			arn := str(g.Arn)
			sn := snapshot(g, TypeIAMGroup, arn, arn, *name, e.account, cloudsec.GlobalRegion, nil, g.CreateDate)
			sn["Id"] = str(g.GroupId)
			detail, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: name})
			if err != nil {
				return nil, err
			}
			sn["Users"] = toJSON(detail.Users)
			inline := map[string]any{}
			pols, err := c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: name})
			if err != nil {
				return nil, err
			}
			for _, pn := range pols.PolicyNames {
				d, err := c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: name, PolicyName: aws.String(pn)})
				if err != nil {
					return nil, err
				}
				inline[pn] = policyDoc(d.PolicyDocument)
			}
			sn["InlinePolicies"] = inline
			att, err := c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: name})
			if err != nil {
				return nil, err
			}
			var managed []any
			for _, a := range att.AttachedPolicies {
				managed = append(managed, str(a.PolicyArn))
			}
			sn["ManagedPolicyARNs"] = managed
			out = append(out, sn)
		}
	}
	return out, nil
}

func listIAMPolicies(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.iam(region)
	var out []cloudsec.Snapshot
	// customer managed policies and the AWS managed policies in use, as Panther scanned them
	p := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{OnlyAttached: false, Scope: iamtypes.PolicyScopeTypeLocal})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, pol := range page.Policies {
			arn := str(pol.Arn)
			sn := snapshot(pol, TypeIAMPolicy, arn, arn, str(pol.PolicyName), e.account, cloudsec.GlobalRegion, iamTags(pol.Tags), pol.CreateDate)
			sn["Id"] = str(pol.PolicyId)
			v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: pol.Arn, VersionId: pol.DefaultVersionId})
			if err != nil {
				return nil, err
			}
			if v.PolicyVersion != nil {
				sn["PolicyDocument"] = policyDoc(v.PolicyVersion.Document)
			}
			ents, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: pol.Arn})
			if err != nil {
				return nil, err
			}
			sn["Entities"] = map[string]any{"PolicyGroups": toJSON(ents.PolicyGroups), "PolicyRoles": toJSON(ents.PolicyRoles), "PolicyUsers": toJSON(ents.PolicyUsers)}
			out = append(out, sn)
		}
	}
	return out, nil
}

func iamRole(ctx context.Context, e *env, c *iam.Client, r iamtypes.Role) (cloudsec.Snapshot, error) {
	name := aws.String(str(r.RoleName))
	arn := str(r.Arn)
	tags, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: name})
	if err != nil {
		return nil, err
	}
	r.AssumeRolePolicyDocument = aws.String(fmt.Sprint(policyDoc(r.AssumeRolePolicyDocument)))
	sn := snapshot(r, TypeIAMRole, arn, arn, *name, e.account, cloudsec.GlobalRegion, iamTags(tags.Tags), r.CreateDate)
	sn["Id"] = str(r.RoleId)
	inline := map[string]any{}
	pols, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: name})
	if err != nil {
		return nil, err
	}
	for _, pn := range pols.PolicyNames {
		d, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: name, PolicyName: aws.String(pn)})
		if err != nil {
			return nil, err
		}
		inline[pn] = policyDoc(d.PolicyDocument)
	}
	sn["InlinePolicies"] = inline
	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name})
	if err != nil {
		return nil, err
	}
	var managed []any
	for _, a := range att.AttachedPolicies {
		managed = append(managed, str(a.PolicyName))
	}
	sn["ManagedPolicyNames"] = managed
	return sn, nil
}

func listIAMRoles(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.iam(region)
	var out []cloudsec.Snapshot
	p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			sn, err := iamRole(ctx, e, c, r)
			if err != nil {
				return nil, err
			}
			out = append(out, sn)
		}
	}
	return out, nil
}

func oneIAMRole(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error) {
	name := id[strings.LastIndex(id, "/")+1:]
	c := e.iam(region)
	r, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if errCode(err) == "NoSuchEntity" {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return iamRole(ctx, e, c, *r.Role)
}

func listPasswordPolicy(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	id := cloudsec.ResourceID(e.account, "", TypePasswordPolicy)
	out, err := e.iam(region).GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	var sn cloudsec.Snapshot
	switch {
	case errCode(err) == "NoSuchEntity":
		sn = snapshot(nil, TypePasswordPolicy, id, "", "AWS.PasswordPolicy", e.account, cloudsec.GlobalRegion, nil, nil)
		sn["AnyExist"] = false
	case err != nil:
		return nil, err
	default:
		sn = snapshot(out.PasswordPolicy, TypePasswordPolicy, id, "", "AWS.PasswordPolicy", e.account, cloudsec.GlobalRegion, nil, nil)
		sn["AnyExist"] = true
	}
	return []cloudsec.Snapshot{sn}, nil
}
