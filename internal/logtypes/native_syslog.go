package logtypes

import (
	"time"

	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/textparse"
)

// Now is the clock of parsers that infer missing parts of timestamps (the year of RFC 3164
// syslog). Tests replace it.
var Now = time.Now

func init() {
	natives["Syslog.RFC3164"] = func(lt *logschema.LogType) (func() Parser, error) {
		return textNative(lt, textparse.NewSyslogRFC3164(func() time.Time { return Now() })), nil
	}
	natives["Syslog.RFC5424"] = func(lt *logschema.LogType) (func() Parser, error) {
		return textNative(lt, textparse.NewSyslogRFC5424()), nil
	}
}

// textNative makes a native parser from a text parser factory: its fields are decoded with
// the schema.
func textNative(lt *logschema.LogType, f textparse.Factory) func() Parser {
	root := lt.Root
	return func() Parser { return &textParser{root: root, p: f.NewParser()} }
}
