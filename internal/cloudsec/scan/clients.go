package scan

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// clients builds the service clients of one account, one per (service, region), shared by
// the scan's goroutines so the adaptive retryer sees all the calls of a client.
type clients struct {
	cfg      aws.Config
	endpoint string
	mu       sync.Mutex
	cache    map[string]any
}

func newClients(cfg aws.Config, endpoint string) *clients {
	return &clients{cfg: cfg, endpoint: endpoint, cache: map[string]any{}}
}

func (c *clients) cfgFor(region string) aws.Config {
	cfg := c.cfg.Copy()
	cfg.Region = region
	if c.endpoint != "" {
		cfg.BaseEndpoint = aws.String(c.endpoint)
	}
	return cfg
}

func get[T any](c *clients, service, region string, mk func(aws.Config) T) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := service + "/" + region
	if v, ok := c.cache[k]; ok {
		return v.(T)
	}
	v := mk(c.cfgFor(region))
	c.cache[k] = v
	return v
}

func (c *clients) ec2(r string) *ec2.Client {
	return get(c, "ec2", r, func(cfg aws.Config) *ec2.Client { return ec2.NewFromConfig(cfg) })
}
func (c *clients) iam(r string) *iam.Client {
	return get(c, "iam", r, func(cfg aws.Config) *iam.Client { return iam.NewFromConfig(cfg) })
}
func (c *clients) s3(r string) *s3.Client {
	return get(c, "s3", r, func(cfg aws.Config) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = c.endpoint != "" })
	})
}
func (c *clients) kms(r string) *kms.Client {
	return get(c, "kms", r, func(cfg aws.Config) *kms.Client { return kms.NewFromConfig(cfg) })
}

func (c *clients) cloudtrail(r string) *cloudtrail.Client {
	return get(c, "cloudtrail", r, func(cfg aws.Config) *cloudtrail.Client { return cloudtrail.NewFromConfig(cfg) })
}
func (c *clients) logs(r string) *cloudwatchlogs.Client {
	return get(c, "logs", r, func(cfg aws.Config) *cloudwatchlogs.Client { return cloudwatchlogs.NewFromConfig(cfg) })
}
func (c *clients) config(r string) *configservice.Client {
	return get(c, "config", r, func(cfg aws.Config) *configservice.Client { return configservice.NewFromConfig(cfg) })
}
func (c *clients) guardduty(r string) *guardduty.Client {
	return get(c, "guardduty", r, func(cfg aws.Config) *guardduty.Client { return guardduty.NewFromConfig(cfg) })
}

// enabledRegions lists the account's enabled regions (EC2 DescribeRegions from the home region).
func (c *clients) enabledRegions(ctx context.Context) ([]string, error) {
	out, err := c.ec2(c.cfg.Region).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, err
	}
	var rs []string
	for _, r := range out.Regions {
		if o := str(r.OptInStatus); o == "not-opted-in" {
			continue
		}
		rs = append(rs, str(r.RegionName))
	}
	sort.Strings(rs)
	return rs, nil
}
