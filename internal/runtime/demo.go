package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/demo"
	"github.com/pantherlabs/panther/internal/sources"
)

// Demo source labels.
const (
	demoHTTPLabel   = "demo-http"
	demoSyslogLabel = "demo-syslog"
	demoSyslogAddr  = "127.0.0.1:5514"
	demoInterval    = 5 * time.Second
)

// runDemo creates an HTTP and a syslog source, and sends them live sample logs every few seconds until ctx ends, through
// the same paths a real sender uses.
func (s *Server) runDemo(ctx context.Context) error {
	httpSrc, token, err := s.demoHTTPSource(ctx)
	if err != nil {
		return err
	}
	syslogAddr, err := s.demoSyslogSource(ctx)
	if err != nil {
		s.log.Warn("demo: no syslog source", "err", err)
	}
	if err := s.reloadSources(ctx); err != nil {
		return err
	}
	url := fmt.Sprintf("http://%s/http/%s", s.Addr(), httpSrc.ID)
	fmt.Fprintf(s.opts.Stdout, "Demo: sending sample logs every %s to %s", demoInterval, url)
	if syslogAddr != "" {
		fmt.Fprintf(s.opts.Stdout, " and syslog to udp://%s", syslogAddr)
	}
	fmt.Fprintf(s.opts.Stdout, "\n  alerts:  panther alerts list --data-dir %s\n  events:  panther query --data-dir %s \"SELECT p_log_type, count(*) FROM panther_views.all_logs GROUP BY 1\"\n  metrics: curl http://%s/metrics\n",
		s.dataDir, s.dataDir, s.Addr())
	client := &http.Client{Timeout: 30 * time.Second}
	var udp net.Conn
	if syslogAddr != "" {
		if udp, err = net.Dial("udp", syslogAddr); err != nil {
			s.log.Warn("demo: syslog", "err", err)
		} else {
			defer udp.Close()
		}
	}
	var feed demo.Feed
	t := time.NewTicker(demoInterval)
	defer t.Stop()
	for {
		bodies, lines, err := feed.Next(s.now())
		if err != nil {
			return err
		}
		for _, b := range bodies {
			if err := demoPost(ctx, client, url, token, b.Body); err != nil && ctx.Err() == nil {
				s.log.Warn("demo: push", "template", b.Name, "err", err)
			}
		}
		if udp != nil {
			for _, l := range lines {
				_, _ = udp.Write(l)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func demoPost(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// demoHTTPSource returns the demo HTTP source and a token for it (a new one: the token of
// an existing source is not kept).
func (s *Server) demoHTTPSource(ctx context.Context) (sources.Config, string, error) {
	c, err := s.st.Sources.Get(ctx, demoHTTPLabel)
	if errors.Is(err, sources.ErrNotFound) {
		c, creds, err := s.st.Sources.Add(ctx, sources.Config{Label: demoHTTPLabel, Type: "http", Enabled: true})
		return c, creds.Token, err
	}
	if err != nil {
		return sources.Config{}, "", err
	}
	if !c.Enabled {
		if err := s.st.Sources.SetEnabled(ctx, c.ID, true); err != nil {
			return sources.Config{}, "", err
		}
	}
	creds, err := s.st.Sources.RotateCredential(ctx, c.ID)
	return c, creds.Token, err
}

// demoSyslogSource returns the UDP address of the demo syslog source, creating it.
func (s *Server) demoSyslogSource(ctx context.Context) (string, error) {
	if _, ok := sources.Lookup("syslog"); !ok {
		return "", errors.New("the syslog source type is not built in")
	}
	c, err := s.st.Sources.Get(ctx, demoSyslogLabel)
	if errors.Is(err, sources.ErrNotFound) {
		settings, _ := json.Marshal(map[string]string{"udp": demoSyslogAddr})
		c, _, err = s.st.Sources.Add(ctx, sources.Config{Label: demoSyslogLabel, Type: "syslog", Enabled: true,
			LogTypes: []string{"Syslog.RFC5424", "Syslog.RFC3164"}, Settings: settings})
	}
	if err != nil {
		return "", err
	}
	var set struct {
		UDP string `json:"udp"`
	}
	_ = json.Unmarshal(c.Settings, &set)
	if set.UDP == "" {
		return "", fmt.Errorf("the %s source has no udp address", demoSyslogLabel)
	}
	return set.UDP, nil
}

// installDemoDetections stores the demo detections in the content store when it holds no
// detections (the user's own content is never touched).
func (s *Server) installDemoDetections(ctx context.Context) error {
	cs, ok := s.content.(*content.Store)
	if !ok {
		return nil
	}
	col, err := cs.Load(ctx)
	if err != nil {
		return err
	}
	if len(col.Specs) > 0 {
		return nil
	}
	fsys := demo.Detections()
	dcol, err := analysis.LoadFS(fsys, "demo", analysis.Options{})
	if err != nil {
		return err
	}
	items, err := content.ItemsFromCollection(dcol, fsys)
	if err != nil {
		return err
	}
	if _, err := cs.Upload(ctx, items, false, false, "panther server --demo"); err != nil {
		return fmt.Errorf("installing the demo detections: %w", err)
	}
	s.log.Info("installed the demo detections", "detections", len(dcol.Detections))
	return nil
}
