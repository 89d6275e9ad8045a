package logtypes

import (
	"errors"
	"fmt"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Amazon S3 server access logs: one request per line, space-delimited columns, the time in
// [brackets], the request URI, referrer and user agent in quotes, "-" for no value. AWS has
// appended columns over the years (signature version through TLS version in 2019, access point
// ARN, ACL required, source region later) and says more may come: columns past the known ones
// go to additionalFields.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html

// s3MinColumns is the number of columns of the oldest documented lines (up to version ID).
// Lines from before 2019 lack the later columns, which are then absent.
const s3MinColumns = 18

// s3Columns names the documented columns in order. The names are Panther's.
var s3Columns = [...]string{
	"bucketowner", "bucket", "time", "remoteip", "requester", "requestid", "operation", "key",
	"requesturi", "httpstatus", "errorcode", "bytessent", "objectsize", "totaltime",
	"turnaroundtime", "referrer", "useragent", "versionid", "hostid", "signatureversion",
	"ciphersuite", "authenticationtype", "hostheader", "tlsVersion", "accesspointarn",
	"aclrequired", "sourceregion",
}

func newS3AccessParser(lt *logschema.LogType) (func() Parser, error) {
	root := lt.Root
	return func() Parser { return &s3AccessParser{root: root} }, nil
}

type s3AccessParser struct {
	root *logschema.Type
	toks []awsToken
	fb   fieldBuilder
}

func (p *s3AccessParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	line := unsafeString(rec.Data)
	if !isCanonicalID(firstWord(line)) {
		return event.Value{}, false, errS3Owner
	}
	toks, err := splitAWSLine(line, true, p.toks[:0])
	p.toks = toks[:0]
	if err != nil {
		return event.Value{}, false, err
	}
	if len(toks) < s3MinColumns {
		return event.Value{}, false, fmt.Errorf("expected at least %d space-delimited columns, got %d", s3MinColumns, len(toks))
	}
	if !toks[2].Bracketed {
		return event.Value{}, false, columnError(2, "time", toks[2], "expected a [bracketed] time such as [06/Feb/2019:00:00:38 +0000]")
	}
	fb := &p.fb
	fb.reset()
	for i, t := range toks {
		if i >= len(s3Columns) {
			fb.addTokens("additionalFields", toks[i:])
			break
		}
		fb.add(s3Columns[i], t.Value)
	}
	v, err := d.Fields(p.root, fb.done())
	if err != nil {
		return event.Value{}, false, err
	}
	return v, true, nil
}

func firstWord(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == ' ' {
			return line[:i]
		}
	}
	return line
}

// isCanonicalID reports whether s is an S3 canonical user ID: 64 hex digits.
func isCanonicalID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// errS3Owner rejects a line that does not start with a bucket owner, without allocating.
var errS3Owner = errors.New("column 1 (bucketowner) at offset 0: expected the bucket owner's canonical user ID (64 hex digits)")
