package scan

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// TypeKMSKey is a KMS key with its key policy, rotation status (customer managed keys) and tags.
const TypeKMSKey = "AWS.KMS.Key"

func init() {
	register(&resourceType{name: TypeKMSKey, list: listKMSKeys, one: oneKMSKey})
}

func listKMSKeys(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	var out []cloudsec.Snapshot
	p := kms.NewListKeysPaginator(e.kms(region), &kms.ListKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, k := range page.Keys {
			sn, err := kmsKey(ctx, e, region, str(k.KeyId))
			if err != nil {
				return nil, err
			}
			if sn != nil {
				out = append(out, sn)
			}
		}
	}
	return out, nil
}

func oneKMSKey(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error) {
	sn, err := kmsKey(ctx, e, region, id)
	if err == nil && sn == nil {
		return nil, errNotFound
	}
	return sn, err
}

// kmsKey reads one key (by id or ARN); nil when it no longer exists.
func kmsKey(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error) {
	c := e.kms(region)
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if errCode(err) == "NotFoundException" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	md := d.KeyMetadata
	if md == nil {
		return nil, nil
	}
	arn := str(md.Arn)
	sn := snapshot(md, TypeKMSKey, arn, arn, "", e.account, region, nil, md.CreationDate)
	sn["Id"] = str(md.KeyId)
	sn["Policy"] = nil
	pol, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("default")})
	if err != nil && errCode(err) != "AccessDeniedException" {
		return nil, err
	} else if err == nil {
		sn["Policy"] = str(pol.Policy)
	}
	if str(md.Description) != "Default master key that protects my ACM private keys when no other key is defined" {
		tags := map[string]any{}
		tp := kms.NewListResourceTagsPaginator(c, &kms.ListResourceTagsInput{KeyId: md.KeyId})
		for tp.HasMorePages() {
			page, err := tp.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, t := range page.Tags {
				tags[str(t.TagKey)] = str(t.TagValue)
			}
		}
		sn[cloudsec.KeyTags] = tags
	}
	sn["KeyRotationEnabled"] = nil
	if md.KeyManager == kmstypes.KeyManagerTypeCustomer {
		r, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: md.KeyId})
		if err != nil {
			return nil, err
		}
		sn["KeyRotationEnabled"] = r.KeyRotationEnabled
	}
	return sn, nil
}
