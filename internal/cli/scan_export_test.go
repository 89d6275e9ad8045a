package cli

import (
	"context"
	"io"

	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/runtime"
)

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// SetCloudSink makes `panther scan` hand its results to sink (nil: none), for tests; it
// returns a function restoring the previous opener.
func SetCloudSink(sink cloudsec.Sink) (restore func()) {
	prev := openCloudSink
	if sink == nil {
		openCloudSink = nil
	} else {
		openCloudSink = func(context.Context, *Env, string, *runtime.State) (cloudsec.Sink, io.Closer, error) {
			return sink, nopCloser{}, nil
		}
	}
	return func() { openCloudSink = prev }
}
