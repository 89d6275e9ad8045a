package graphql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

func managedSchemaModel(sc *logschema.Schema) *model.Schema {
	return &model.Schema{
		Name: sc.Name, Description: optStr(sc.Description), ReferenceURL: optStr(sc.ReferenceURL), Spec: string(sc.Text),
		IsManaged: true, Revision: 1, Version: 1, CreatedAt: rolesEpoch.Format(time.RFC3339), UpdatedAt: ptr(rolesEpoch.Format(time.RFC3339)),
	}
}

func customSchemaModel(sc content.Schema) *model.Schema {
	return &model.Schema{
		Name: sc.Name, Description: optStr(sc.Description), ReferenceURL: optStr(sc.ReferenceURL), Spec: sc.Spec,
		Revision: sc.Revision, Version: sc.Revision, IsArchived: sc.Archived, IsFieldDiscoveryEnabled: sc.FieldDiscovery,
		CreatedAt: sc.CreatedAt.Format(time.RFC3339), UpdatedAt: ptr(sc.UpdatedAt.Format(time.RFC3339)),
	}
}

func isManagedName(managed []*logschema.Schema, name string) bool {
	for _, sc := range managed {
		if sc.Name == name {
			return true
		}
	}
	return false
}

// schemaError makes a schema's parse and compile errors INVALID_INPUT.
func schemaError(err error) error {
	var pe *logschema.Error
	var pes logschema.Errors
	if errors.As(err, &pe) || errors.As(err, &pes) {
		return apierr.Wrap(apierr.InvalidInput, err, "%s", err.Error())
	}
	if ae := backendClassify(err); ae.Code != apierr.Internal {
		return ae
	}
	// Check's other errors (the name, the schema key) are about the input too.
	return apierr.Wrap(apierr.InvalidInput, err, "%s", err.Error())
}

func backendClassify(err error) *apierr.Error { return apierr.As(fail(err)) }

// registry returns every log type events can be parsed as.
func (r *Resolver) registry() (*logtypes.Registry, error) {
	if r.D.Registry != nil {
		reg, err := r.D.Registry()
		return reg, fail(err)
	}
	reg, err := logtypes.Managed()
	return reg, fail(err)
}

// logTypesInUse lists the log types some source names (only computed when needed).
func (r *Resolver) logTypesInUse(ctx context.Context, needed bool) (map[string]bool, error) {
	out := map[string]bool{}
	if !needed || r.D.Sources == nil {
		return out, nil
	}
	list, err := r.D.Sources.List(ctx)
	if err != nil {
		return nil, fail(err)
	}
	for _, c := range list {
		for _, lt := range c.LogTypes {
			out[lt] = true
		}
	}
	return out, nil
}

// maxSamples bounds a testSchema call.
const maxSamples = 1000

// testSchema parses samples with one log type, as `panther schemas test` does.
func (r *Resolver) testSchema(ctx context.Context, in *model.TestSchemaInput) (*model.TestSchemaOutput, error) {
	out := &model.TestSchemaOutput{SchemaErrors: []string{}, Results: []*model.TestSchemaRecordResult{}}
	if len(in.Samples) > maxSamples {
		return nil, invalid("at most %d samples at a time", maxSamples)
	}
	var lt *logtypes.LogType
	switch {
	case in.Spec != nil:
		sc, err := logschema.Parse("spec", []byte(*in.Spec))
		if err == nil {
			lt, err = logtypes.Build(sc)
		}
		if err != nil {
			out.SchemaErrors = append(out.SchemaErrors, err.Error())
			return out, nil
		}
	case in.Name != nil:
		reg, err := r.registry()
		if err != nil {
			return nil, err
		}
		if lt, err = reg.Lookup(*in.Name); err != nil {
			return nil, apierr.New(apierr.NotFound, "%v", err)
		}
	default:
		return nil, invalid("give the name of a log type, or a schema spec")
	}
	records := make([][]byte, len(in.Samples))
	for i, s := range in.Samples {
		records[i] = []byte(s)
	}
	results := make([]*model.TestSchemaRecordResult, len(in.Samples))
	var mu sync.Mutex
	put := func(line int64, res *model.TestSchemaRecordResult) {
		i := int(line) - 1
		mu.Lock()
		defer mu.Unlock()
		if i >= 0 && i < len(results) && results[i] == nil {
			res.Index = i
			results[i] = res
		}
	}
	sink := ingest.SinkFunc(func(b *ingest.Batch) error {
		for _, ev := range b.Events {
			var v any
			if err := json.Unmarshal(event.AppendJSON(nil, ev), &v); err != nil {
				return err
			}
			put(ev.Line, &model.TestSchemaRecordResult{Matched: true, Event: v})
		}
		for _, q := range b.Quarantine {
			put(q.Line, &model.TestSchemaRecordResult{Error: ptr(lake.Summary(q.Reasons))})
		}
		return nil
	})
	p, err := ingest.New(ingest.Options{Types: []*logtypes.LogType{lt}, Sinks: []ingest.Sink{sink}, Workers: 1})
	if err != nil {
		return nil, fail(err)
	}
	p.Start(ctx)
	var inputErr error
	done := func(st *ingest.InputStats) { inputErr = st.Err }
	if err := p.Submit(ctx, &ingest.Input{Name: "sample", Records: records, Done: done}); err != nil {
		p.Close()
		return nil, fail(err)
	}
	if err := p.Close(); err != nil {
		return nil, fail(err)
	}
	if inputErr != nil {
		out.SchemaErrors = append(out.SchemaErrors, inputErr.Error())
	}
	for i, res := range results {
		if res == nil {
			res = &model.TestSchemaRecordResult{Index: i, Error: ptr(fmt.Sprintf("sample %d produced no event (an empty line, or a header)", i))}
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}
