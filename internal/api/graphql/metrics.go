package graphql

import (
	"context"
	"sort"
	"time"

	"github.com/pantherlabs/panther/internal/api/graphql/model"
	"github.com/pantherlabs/panther/internal/ingestmetrics"
)

// metricsInterval is the bucket of a metrics request: the one asked for, else about 60
// buckets over the range, a whole number of minutes.
func metricsInterval(in *model.MetricsInput) (time.Duration, error) {
	if !in.ToDate.After(in.FromDate) {
		return 0, invalid("toDate must be after fromDate")
	}
	if n := deref(in.IntervalInMinutes); n > 0 {
		d := time.Duration(n) * time.Minute
		if in.ToDate.Sub(in.FromDate)/d > 10000 {
			return 0, invalid("%d-minute intervals make more than 10000 points over this range; use larger ones", n)
		}
		return d, nil
	}
	return max(time.Minute, (in.ToDate.Sub(in.FromDate) / 60).Truncate(time.Minute)), nil
}

// buckets lists the bucket starts of a range.
func buckets(from, to time.Time, step time.Duration) []time.Time {
	var out []time.Time
	for t := from; t.Before(to); t = t.Add(step) {
		out = append(out, t.UTC())
	}
	return out
}

func bucketKey(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// alertCounts aggregates the alert counts of a metrics request once per request.
type alertCounts struct {
	bySeverity map[string]map[string]int64 // severity -> bucket -> n
	byRule     map[string]int64
	total      int64
}

func (r *Resolver) alertCounts(ctx context.Context, m *model.MetricsOutput) (*alertCounts, error) {
	if err := need(r.D.Alerts != nil, "the alert store"); err != nil {
		return nil, err
	}
	counts, err := r.D.Alerts.Counts(ctx, m.From, m.To, m.Interval)
	if err != nil {
		return nil, fail(err)
	}
	out := &alertCounts{bySeverity: map[string]map[string]int64{}, byRule: map[string]int64{}}
	for _, c := range counts {
		sev := string(severityModel(c.Severity))
		if out.bySeverity[sev] == nil {
			out.bySeverity[sev] = map[string]int64{}
		}
		out.bySeverity[sev][bucketKey(c.Bucket)] += c.N
		out.byRule[c.DetectionID] += c.N
		out.total += c.N
	}
	return out, nil
}

func (r *Resolver) alertsPerSeverity(ctx context.Context, m *model.MetricsOutput) ([]*model.SeriesWithBreakdown, error) {
	ac, err := r.alertCounts(ctx, m)
	if err != nil {
		return nil, err
	}
	var out []*model.SeriesWithBreakdown
	for _, sev := range model.AllSeverity {
		breakdown := map[string]any{}
		var total int64
		for _, b := range buckets(m.From, m.To, m.Interval) {
			n := ac.bySeverity[string(sev)][bucketKey(b)]
			breakdown[bucketKey(b)] = n
			total += n
		}
		out = append(out, &model.SeriesWithBreakdown{Label: string(sev), Value: float64(total), Breakdown: breakdown})
	}
	return out, nil
}

func (r *Resolver) alertsPerRule(ctx context.Context, m *model.MetricsOutput) ([]*model.SeriesWithEntityID, error) {
	ac, err := r.alertCounts(ctx, m)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	if snap, err := r.contentSnap(ctx); err == nil {
		for _, d := range snap.Collection.Detections {
			if d.DisplayName != "" {
				names[d.ID] = d.DisplayName
			}
		}
	}
	out := []*model.SeriesWithEntityID{}
	for id, n := range ac.byRule {
		label := names[id]
		if label == "" {
			label = id
		}
		out = append(out, &model.SeriesWithEntityID{EntityID: id, Label: label, Value: float64(n)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Value != out[j].Value {
			return out[i].Value > out[j].Value
		}
		return out[i].EntityID < out[j].EntityID
	})
	return out, nil
}

// ingestSeries answers one ingestion chart: events or bytes, by source or by log type.
func (r *Resolver) ingestSeries(ctx context.Context, m *model.MetricsOutput, groupBy string, bytes bool) ([]*model.SeriesWithBreakdown, error) {
	if err := need(r.D.Series != nil, "the ingestion metrics"); err != nil {
		return nil, err
	}
	series, err := r.D.Series.Series(ctx, ingestmetrics.Query{From: m.From, To: m.To, Step: m.Interval, GroupBy: groupBy})
	if err != nil {
		return nil, fail(err)
	}
	labels := map[string]string{}
	if groupBy == ingestmetrics.BySource && r.D.Sources != nil {
		if list, err := r.D.Sources.List(ctx); err == nil {
			for _, c := range list {
				labels[c.ID] = c.Label
			}
		}
	}
	out := []*model.SeriesWithBreakdown{}
	for _, sr := range series {
		label := sr.Key
		switch {
		case groupBy == ingestmetrics.BySource && labels[sr.Key] != "":
			label = labels[sr.Key]
		case groupBy == ingestmetrics.BySource && sr.Key == "":
			label = "(files)"
		case groupBy == ingestmetrics.ByLogType && sr.Key == "":
			label = "(quarantined)"
		}
		breakdown := map[string]any{}
		var total int64
		for _, v := range sr.Values {
			n := v.Events
			if bytes {
				n = v.Bytes
			}
			if groupBy == ingestmetrics.ByLogType && sr.Key == "" && !bytes {
				n = v.Quarantined
			}
			breakdown[bucketKey(v.Time)] = n
			total += n
		}
		out = append(out, &model.SeriesWithBreakdown{Label: label, Value: float64(total), Breakdown: breakdown})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	return out, nil
}

func (r *Resolver) ingestTotal(ctx context.Context, m *model.MetricsOutput, bytes bool) (float64, error) {
	series, err := r.ingestSeries(ctx, m, ingestmetrics.BySource, bytes)
	if err != nil {
		return 0, err
	}
	var total float64
	for _, s := range series {
		total += s.Value
	}
	return total, nil
}
