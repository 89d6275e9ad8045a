package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec"
	_ "github.com/pantherlabs/panther/internal/cloudsec/awsscan" // the aws-scan source kind
)

// startCloud builds what aws-scan sources use: the compliance sink of Options.CloudSink
// (none: those sources report cloudsec.ErrNoSink) and the state DB for their scan status.
func (s *Server) startCloud() error {
	env := &cloudsec.Env{DB: s.st.DB}
	if s.opts.CloudSink != nil {
		sink, err := s.opts.CloudSink(s.Services())
		if err != nil {
			return fmt.Errorf("cloud security: %w", err)
		}
		env.Sink = sink
		// A sink that reloads its policies runs while the server does; one with workers is
		// closed at shutdown, after the sources that use it stopped.
		if c, ok := sink.(io.Closer); ok {
			s.defer_(c.Close)
		}
		if r, ok := sink.(interface {
			Run(ctx context.Context, interval time.Duration, log *slog.Logger)
		}); ok {
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				r.Run(ctx, s.cfg.Reload.Interval.Std(), s.log.With("component", "compliance"))
			}()
			s.defer_(func() error {
				stop()
				<-done
				return nil
			})
		}
	}
	s.cloud = env
	return nil
}
