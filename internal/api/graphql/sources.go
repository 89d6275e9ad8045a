package graphql

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/sources"
)

// sourceSettings is the union of the settings of the kinds the API shows.
type sourceSettings struct {
	Auth       string `json:"auth"`
	HMACHeader string `json:"hmac_header"`
	UDP        string `json:"udp"`
	TCP        string `json:"tcp"`
	TLS        string `json:"tls"`
	Path       string `json:"path"`
	QueueURL   string `json:"queue_url"`
	Region     string `json:"region"`
	Endpoint   string `json:"endpoint"`
	Bucket     string `json:"bucket"`
}

// SourceModel is a stored source as the schema shows it; nil for kinds that are not log
// sources (aws-scan accounts).
func SourceModel(c sources.Config, st sources.Status) model.LogIntegration {
	var set sourceSettings
	json.Unmarshal(c.Settings, &set)
	health := &model.SourceHealth{Events: st.Events, Bytes: st.Bytes, Quarantined: st.Quarantined, LastError: optStr(st.LastError), LastErrorAt: optTime(st.LastErrorAt)}
	logTypes := nonNil(c.LogTypes)
	last := optTime(st.LastEventAt)
	healthy := st.LastError == ""
	created, modified := c.CreatedAt.UTC(), optTime(c.UpdatedAt)
	switch c.Type {
	case "http":
		auth := set.Auth
		if auth == "" {
			auth = sources.AuthBearer
		}
		return &model.HTTPLogIntegration{IntegrationID: c.ID, IntegrationLabel: c.Label, IntegrationType: c.Type, IsEditable: true,
			IsHealthy: healthy, CreatedAtTime: created, LastModified: modified, LastEventReceivedAtTime: last, LastEventProcessedAtTime: last,
			LogTypes: logTypes, Enabled: c.Enabled, Health: health, AuthMethod: auth, HmacHeader: optStr(set.HMACHeader), URL: "/http/" + c.ID}
	case "syslog":
		return &model.SyslogLogIntegration{IntegrationID: c.ID, IntegrationLabel: c.Label, IntegrationType: c.Type, IsEditable: true,
			IsHealthy: healthy, CreatedAtTime: created, LastModified: modified, LastEventReceivedAtTime: last, LastEventProcessedAtTime: last,
			LogTypes: logTypes, Enabled: c.Enabled, Health: health, UDP: optStr(set.UDP), TCP: optStr(set.TCP), TLS: optStr(set.TLS)}
	case "dir":
		return &model.DirectoryLogIntegration{IntegrationID: c.ID, IntegrationLabel: c.Label, IntegrationType: c.Type, IsEditable: true,
			IsHealthy: healthy, CreatedAtTime: created, LastModified: modified, LastEventReceivedAtTime: last, LastEventProcessedAtTime: last,
			LogTypes: logTypes, Enabled: c.Enabled, Health: health, Path: set.Path}
	case "s3":
		prefix := &model.S3PrefixLogTypes{Prefix: "", LogTypes: logTypes, ExcludedPrefixes: []string{}}
		return &model.S3LogIntegration{IntegrationID: c.ID, IntegrationLabel: c.Label, IntegrationType: c.Type, IsEditable: true,
			IsHealthy: healthy, CreatedAtTime: created, LastModified: modified, LastEventReceivedAtTime: last, LastEventProcessedAtTime: last,
			LogTypes: logTypes, Enabled: c.Enabled, Health: health, AWSAccountID: "", S3Bucket: set.Bucket, S3Prefix: optStr(""),
			S3PrefixLogTypes: []*model.S3PrefixLogTypes{prefix}, StackName: "", LogStreamType: ptr(model.LogStreamTypeAuto),
			QueueURL: set.QueueURL, Region: optStr(set.Region), Endpoint: optStr(set.Endpoint)}
	}
	return nil
}

func (r *Resolver) sourceModel(ctx context.Context, c sources.Config) (model.LogIntegration, error) {
	st, err := r.D.Sources.Status(ctx, c.ID)
	if err != nil {
		return nil, fail(err)
	}
	return SourceModel(c, st), nil
}

// sourceSettingsOf reads the settings JSON of createSource and updateSource.
func sourceSettingsOf(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage("{}"), nil
	}
	if s, ok := v.(string); ok {
		if !json.Valid([]byte(s)) {
			return nil, invalid("settings must be a JSON object")
		}
		return json.RawMessage(s), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, invalid("settings: %v", err)
	}
	return b, nil
}

func (r *Resolver) createSource(ctx context.Context, in *model.CreateSourceInput) (*model.CreateSourceOutput, error) {
	if err := need(r.D.Sources != nil, "the source store"); err != nil {
		return nil, err
	}
	switch strings.ToLower(in.Type) {
	case "http", "syslog", "dir", "s3":
	default:
		return nil, invalid("type must be http, syslog, dir or s3, got %q (cloud accounts are added as aws-scan sources with `panther sources add`)", in.Type)
	}
	set, err := sourceSettingsOf(in.Settings)
	if err != nil {
		return nil, err
	}
	c, creds, err := r.D.Sources.Add(ctx, sources.Config{Label: in.Label, Type: strings.ToLower(in.Type), LogTypes: in.LogTypes,
		Enabled: in.Enabled == nil || *in.Enabled, Settings: set})
	if err != nil {
		return nil, fail(err)
	}
	m, err := r.sourceModel(ctx, c)
	if err != nil {
		return nil, err
	}
	return &model.CreateSourceOutput{LogSource: m, Token: optStr(creds.Token)}, nil
}

func (r *Resolver) updateSource(ctx context.Context, in *model.UpdateSourceInput) (*model.UpdateSourceOutput, error) {
	if err := need(r.D.Sources != nil, "the source store"); err != nil {
		return nil, err
	}
	c, err := r.D.Sources.Get(ctx, in.ID)
	if err != nil {
		return nil, fail(err)
	}
	if c.ID != in.ID {
		return nil, apierr.New(apierr.NotFound, "no source with ID %q", in.ID)
	}
	if in.Label != nil {
		c.Label = *in.Label
	}
	if in.LogTypes != nil {
		c.LogTypes = in.LogTypes
	}
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	if in.Settings != nil {
		if c.Settings, err = sourceSettingsOf(in.Settings); err != nil {
			return nil, err
		}
	}
	c, err = r.D.Sources.Update(ctx, c)
	if err != nil {
		return nil, fail(err)
	}
	m, err := r.sourceModel(ctx, c)
	if err != nil {
		return nil, err
	}
	return &model.UpdateSourceOutput{LogSource: m}, nil
}

// sourceByID returns a source by ID only (Get also matches labels).
func (r *Resolver) sourceByID(ctx context.Context, id string) (sources.Config, error) {
	c, err := r.D.Sources.Get(ctx, id)
	if err != nil {
		return sources.Config{}, fail(err)
	}
	if c.ID != id {
		return sources.Config{}, apierr.New(apierr.NotFound, "no source with ID %q", id)
	}
	return c, nil
}
