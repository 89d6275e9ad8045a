package scan

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// TypeS3Bucket is an S3 bucket with its ACL, encryption, versioning, policy, public access
// block, logging, lifecycle and object lock settings.
const TypeS3Bucket = "AWS.S3.Bucket"

func init() {
	register(&resourceType{name: TypeS3Bucket, global: true, list: listS3Buckets, one: oneS3Bucket})
}

func listS3Buckets(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	var out []cloudsec.Snapshot
	p := s3.NewListBucketsPaginator(e.s3(region), &s3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range page.Buckets {
			sn, err := s3Bucket(ctx, e, region, b)
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

func oneS3Bucket(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error) {
	name := strings.TrimPrefix(id, "arn:aws:s3:::")
	page, err := e.s3(region).ListBuckets(ctx, &s3.ListBucketsInput{Prefix: aws.String(name)})
	if err != nil {
		return nil, err
	}
	for _, b := range page.Buckets {
		if str(b.Name) == name {
			sn, err := s3Bucket(ctx, e, region, b)
			if err == nil && sn == nil {
				return nil, errNotFound
			}
			return sn, err
		}
	}
	return nil, errNotFound
}

// s3Bucket reads one bucket's settings; nil when it was deleted meanwhile.
func s3Bucket(ctx context.Context, e *env, home string, b s3types.Bucket) (cloudsec.Snapshot, error) {
	name := str(b.Name)
	in := aws.String(name)
	loc, err := e.s3(home).GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: in})
	if err != nil {
		if errCode(err) == "NoSuchBucket" {
			return nil, nil
		}
		return nil, err
	}
	region := string(loc.LocationConstraint)
	switch region {
	case "":
		region = "us-east-1"
	case "EU":
		region = "eu-west-1"
	}
	c := e.s3(region)
	arn := "arn:aws:s3:::" + name
	sn := snapshot(nil, TypeS3Bucket, arn, arn, name, e.account, region, nil, b.CreationDate)
	sn["CreationDate"] = toJSON(b.CreationDate)
	// absent settings answer with a not-found code: the attribute is then null, as Panther wrote it
	absent := func(err error, codes ...string) (bool, error) {
		if err == nil {
			return false, nil
		}
		c := errCode(err)
		for _, a := range codes {
			if c == a {
				return true, nil
			}
		}
		return false, err
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: in})
	if err != nil {
		return nil, err
	}
	sn["Grants"] = toJSON(acl.Grants)
	sn["Owner"] = toJSON(acl.Owner)
	sn["EncryptionRules"] = nil
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: in})
	if no, err := absent(err, "ServerSideEncryptionConfigurationNotFoundError"); err != nil {
		return nil, err
	} else if !no && enc.ServerSideEncryptionConfiguration != nil {
		sn["EncryptionRules"] = toJSON(enc.ServerSideEncryptionConfiguration.Rules)
	}
	ver, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: in})
	if err != nil {
		return nil, err
	}
	sn["Versioning"] = nilIfEmpty(string(ver.Status))
	sn["MFADelete"] = nilIfEmpty(string(ver.MFADelete))
	sn["Policy"] = nil
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: in})
	if no, err := absent(err, "NoSuchBucketPolicy"); err != nil {
		return nil, err
	} else if !no {
		sn["Policy"] = toJSON(pol.Policy)
	}
	sn["PublicAccessBlockConfiguration"] = nil
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: in})
	if no, err := absent(err, "NoSuchPublicAccessBlockConfiguration"); err != nil {
		return nil, err
	} else if !no {
		sn["PublicAccessBlockConfiguration"] = toJSON(pab.PublicAccessBlockConfiguration)
	}
	logging, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: in})
	if err != nil {
		return nil, err
	}
	sn["LoggingPolicy"] = toJSON(logging.LoggingEnabled)
	sn["LifecycleRules"] = nil
	lc, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: in})
	if no, err := absent(err, "NoSuchLifecycleConfiguration"); err != nil {
		return nil, err
	} else if !no {
		sn["LifecycleRules"] = toJSON(lc.Rules)
	}
	sn["ObjectLockConfiguration"] = nil
	ol, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: in})
	if no, err := absent(err, "ObjectLockConfigurationNotFoundError"); err != nil {
		return nil, err
	} else if !no {
		sn["ObjectLockConfiguration"] = toJSON(ol.ObjectLockConfiguration)
	}
	tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: in})
	if no, err := absent(err, "NoSuchTagSet"); err != nil {
		return nil, err
	} else if !no {
		t := map[string]any{}
		for _, tg := range tags.TagSet {
			t[str(tg.Key)] = str(tg.Value)
		}
		sn[cloudsec.KeyTags] = t
	}
	return sn, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
