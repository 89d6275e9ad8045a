package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/api"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/destinations"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/secretbox"
)

// directory gives the dispatcher the stored destinations.
type directory struct {
	st  *store.Store
	reg *notify.Registry
}

func (d *directory) Destinations(ctx context.Context) ([]delivery.Destination, error) {
	list, err := d.st.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []delivery.Destination
	for _, x := range list {
		out = append(out, delivery.Destination{ID: x.ID, Name: x.DisplayName, Type: x.Type, DefaultForSeverity: x.DefaultForSeverity, AlertTypes: x.AlertTypes})
	}
	return out, nil
}

func (d *directory) Notifier(ctx context.Context, id string) (notify.Notifier, error) {
	x, err := d.st.Reveal(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.reg.Build(x.Type, x.Config)
}

// receiver is a webhook that records what it is sent.
type receiver struct {
	mu     sync.Mutex
	bodies []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, string(b))
	rc.mu.Unlock()
}

func (rc *receiver) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.bodies...)
}

// wireDelivery gives d destinations, notifiers, alerts that enqueue their deliveries and a
// dispatcher, all over db; tests run the returned dispatcher by hand.
func wireDelivery(t *testing.T, d *api.Deps, db *sql.DB) *delivery.Dispatcher {
	t.Helper()
	ctx := context.Background()
	box, err := secretbox.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := destinations.NewRegistry(notify.Options{})
	st, err := store.New(ctx, db, box, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := delivery.EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	dir := &directory{st: st, reg: reg}
	if d.Alerts, err = alerts.Open(ctx, db, alerts.Options{OnRaise: delivery.Enqueue(dir, time.Now)}); err != nil {
		t.Fatal(err)
	}
	disp, err := delivery.New(ctx, db, d.Alerts, dir, delivery.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Destinations, d.Notifiers, d.Delivery = st, reg, disp
	return disp
}

func TestDestinationsTestAlertAndResend(t *testing.T) {
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	var disp *delivery.Dispatcher
	s := newServer(t, func(d *api.Deps, _ string) {
		disp = wireDelivery(t, d, d.Content.DB())
	})
	// Add a webhook destination: its URL is a secret, redacted on read.
	var added struct {
		AddDestination struct {
			OutputID     string
			OutputConfig map[string]any
		}
	}
	s.admin(`mutation($url: String!) { addDestination(input: {displayName: "hook", outputType: "customwebhook", defaultForSeverity: [HIGH], outputConfig: {webhookURL: $url}}) { outputId outputConfig } }`,
		map[string]any{"url": hook.URL + "/secret-path"}, &added)
	id := added.AddDestination.OutputID
	if strings.Contains(added.AddDestination.OutputConfig["webhookURL"].(string), "secret-path") {
		t.Errorf("the webhook URL is shown: %v", added.AddDestination.OutputConfig)
	}
	// An Analyst sees destinations but cannot send test alerts.
	if r := s.gql(s.tokens[auth.RoleAnalyst], `query { destinations { outputId } }`, nil); len(r.Errors) > 0 {
		t.Errorf("analyst list: %s", r.messages())
	}
	r := s.gql(s.tokens[auth.RoleAnalyst], `mutation($id: ID!) { sendTestAlert(input: {outputIds: [$id]}) { results { success } } }`, map[string]any{"id": id})
	if r.code() != "FORBIDDEN" {
		t.Errorf("analyst test alert: %s", r.code())
	}
	var sent struct {
		SendTestAlert struct {
			Results []struct {
				Success bool
				Message string
			}
		}
	}
	s.admin(`mutation($id: ID!) { sendTestAlert(input: {outputIds: [$id]}) { results { success message } } }`, map[string]any{"id": id}, &sent)
	if res := sent.SendTestAlert.Results; len(res) != 1 || !res[0].Success || len(rc.got()) != 1 || !strings.Contains(rc.got()[0], "This is a test alert") {
		t.Fatalf("test alert: %+v, received %v", sent, rc.got())
	}

	// A HIGH alert is routed to it; deliver, then re-send through the API.
	ctx := context.Background()
	_, raised, err := s.deps.Alerts.Record(ctx, []alerts.Match{{Type: alerts.TypeRule, DetectionID: "D", EventTime: time.Now(), LogType: "AWS.CloudTrail", Title: "Something", Dedup: "x", Severity: "HIGH"}})
	if err != nil || len(raised) != 1 {
		t.Fatal(err)
	}
	if _, err := disp.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	s.admin(`mutation($id: ID!) { deliverAlert(input: {alertId: $id}) { alert { id } } }`, map[string]any{"id": raised[0].ID}, nil)
	if _, err := disp.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := rc.got()
	if len(got) != 3 || !strings.Contains(got[2], "[Re-sent]") {
		t.Fatalf("webhook received %d bodies: %v", len(got), got)
	}
	var a struct {
		Alert struct {
			Deliveries []struct {
				OutputID, Label string
				Success         bool
				StatusCode      int
			}
		}
	}
	s.admin(`query($id: ID!) { alert(id: $id) { deliveries { outputId label success statusCode } } }`, map[string]any{"id": raised[0].ID}, &a)
	if len(a.Alert.Deliveries) != 2 || !a.Alert.Deliveries[1].Success || a.Alert.Deliveries[0].Label != "hook" || a.Alert.Deliveries[0].StatusCode != 200 {
		b, _ := json.Marshal(a)
		t.Errorf("deliveries: %s", b)
	}
}
