package runtime

import (
	"fmt"

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
	}
	s.cloud = env
	return nil
}
