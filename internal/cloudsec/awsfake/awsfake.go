// Package awsfake is a local AWS API server for tests: one httptest server that speaks the
// wire protocols of the services the cloud scanner calls (query/XML: EC2, IAM, ELBv2, RDS,
// Redshift, CloudFormation, STS; REST-XML: S3; JSON 1.0/1.1: KMS, CloudTrail, CloudWatch Logs,
// Config, DynamoDB, ECS, WAF, WAF Regional, ACM; REST-JSON: Lambda, EKS, GuardDuty).
//
// Every request must carry a valid AWS Signature Version 4 made with a key the server knows
// (New's key, or one STS AssumeRole issued); a request signed badly gets the service's
// SignatureDoesNotMatch / InvalidSignatureException error, as AWS answers. The server routes a
// request to its operation (the Action form value, the X-Amz-Target header, or the REST path),
// records it, and answers with the first registered Response whose service, operation, region
// and parameters match: bodies are the service's real XML/JSON shapes, written by the tests.
// Paging is a Response matched on the request's token parameter; Throttle makes the next calls
// of an operation fail with the service's throttling error.
package awsfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Default credentials the server accepts.
const (
	AccessKey = "AKIAFAKEFAKEFAKE0001"
	SecretKey = "fake/secret/key/for/local/tests/only00000"
)

// Response is one canned answer.
type Response struct {
	Service string // signing name: "ec2", "iam", "s3", "kms", "logs", "waf-regional"...
	Action  string // operation name: "DescribeInstances", "GetBucketAcl"...
	Region  string // "" matches every region
	// Match lists request parameters that must have these values; "" means the parameter is
	// absent (the first page of a paged call). Query: form values; JSON: top-level scalar
	// members of the body; REST: path labels (Bucket, FunctionName, name...) and query values.
	Match map[string]string
	// Body is the response document; ignored when Error is set.
	Body string
	// Error, when set, answers with the service's error of this code and Message.
	Error, Message string
	// Status is the HTTP status; 0 means 200 (or 400 for an Error).
	Status int
	// Times limits how often the response answers; 0 means always.
	Times int
	used  int
}

// Request is a call the server received (signed correctly).
type Request struct {
	Service, Region, Action string
	Params                  map[string]string
	Key                     string // the access key id that signed it
}

// Server is the fake AWS endpoint.
type Server struct {
	*httptest.Server
	mu        sync.Mutex
	keys      map[string]string // access key id -> secret
	responses []*Response
	requests  []Request
	throttle  map[string]int // service/action -> calls left to throttle
	issued    int
}

// New starts a server; Close it when done.
func New() *Server {
	s := &Server{keys: map[string]string{AccessKey: SecretKey}, throttle: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Credentials returns a provider of the server's default key.
func (s *Server) Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, "")
}

// Add registers responses; earlier ones win.
func (s *Server) Add(rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range rs {
		r := rs[i]
		s.responses = append(s.responses, &r)
	}
}

// Throttle makes the next n calls of service's action fail with its throttling error.
func (s *Server) Throttle(service, action string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle[service+"/"+action] = n
}

// Requests returns the calls received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Reset forgets the recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

type protocol int

const (
	protoQuery protocol = iota
	protoEC2
	protoJSON
	protoRESTJSON
	protoRESTXML
)

func protocolOf(service string, r *http.Request) protocol {
	switch {
	case service == "s3":
		return protoRESTXML
	case service == "ec2":
		return protoEC2
	case r.Header.Get("X-Amz-Target") != "":
		return protoJSON
	case service == "lambda" || service == "eks" || service == "guardduty":
		return protoRESTJSON
	}
	return protoQuery
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	service, region, key, sigErr := s.verify(r, body)
	proto := protocolOf(service, r)
	if sigErr != "" {
		code := "SignatureDoesNotMatch"
		if proto == protoJSON || proto == protoRESTJSON {
			code = "InvalidSignatureException"
		}
		if service == "" {
			code = "MissingAuthenticationToken"
		}
		writeError(w, proto, http.StatusForbidden, code, sigErr)
		return
	}
	action, params, err := route(proto, service, r, body)
	if err != nil {
		writeError(w, proto, http.StatusBadRequest, "InvalidAction", err.Error())
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Service: service, Region: region, Action: action, Params: params, Key: key})
	tk := service + "/" + action
	if n := s.throttle[tk]; n > 0 {
		s.throttle[tk] = n - 1
		s.mu.Unlock()
		code, status := throttleError(service, proto)
		writeError(w, proto, status, code, "Rate exceeded")
		return
	}
	var resp *Response
	for _, c := range s.responses {
		if c.Service == service && c.Action == action && (c.Region == "" || c.Region == region) && matches(c.Match, params) && (c.Times == 0 || c.used < c.Times) {
			c.used++
			resp = c
			break
		}
	}
	if resp != nil && action == "AssumeRole" && service == "sts" {
		s.issued++
	}
	issued := s.issued
	s.mu.Unlock()
	if resp == nil {
		writeError(w, proto, http.StatusNotImplemented, "NotImplementedInFake",
			fmt.Sprintf("awsfake: no response for %s %s in %s with %v", service, action, region, params))
		return
	}
	if resp.Error != "" {
		status := resp.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		writeError(w, proto, status, resp.Error, resp.Message)
		return
	}
	out := resp.Body
	if service == "sts" && action == "AssumeRole" {
		out = s.issueKeys(out, issued)
	}
	switch proto {
	case protoJSON:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	case protoRESTJSON:
		w.Header().Set("Content-Type", "application/json")
	default:
		w.Header().Set("Content-Type", "text/xml")
	}
	w.Header().Set("X-Amzn-RequestId", "fake-request-id")
	if resp.Status != 0 {
		w.WriteHeader(resp.Status)
	}
	_, _ = io.WriteString(w, out)
}

// issueKeys fills an AssumeRole response's credentials with a fresh key the server accepts:
// the placeholders ASIAKEY, SECRETKEY and SESSIONTOKEN are replaced.
func (s *Server) issueKeys(body string, n int) string {
	ak := fmt.Sprintf("ASIAFAKE%012d", n)
	sk := fmt.Sprintf("assumed/secret/%d", n)
	s.mu.Lock()
	s.keys[ak] = sk
	s.mu.Unlock()
	return strings.NewReplacer("ASIAKEY", ak, "SECRETKEY", sk, "SESSIONTOKEN", "token-"+ak).Replace(body)
}

func matches(want, got map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func throttleError(service string, proto protocol) (string, int) {
	switch service {
	case "ec2":
		return "RequestLimitExceeded", http.StatusServiceUnavailable
	case "s3":
		return "SlowDown", http.StatusServiceUnavailable
	case "lambda", "eks", "guardduty":
		return "TooManyRequestsException", http.StatusTooManyRequests
	}
	if proto == protoJSON {
		return "ThrottlingException", http.StatusBadRequest
	}
	return "Throttling", http.StatusBadRequest
}

func writeError(w http.ResponseWriter, proto protocol, status int, code, msg string) {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	switch proto {
	case protoJSON:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		j, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
		b.Write(j)
	case protoRESTJSON:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		j, _ := json.Marshal(map[string]string{"message": msg, "Message": msg})
		b.Write(j)
	case protoEC2:
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(&b, "<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fake-request-id</RequestID></Response>", esc(code), esc(msg))
	case protoRESTXML:
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(&b, "<Error><Code>%s</Code><Message>%s</Message><RequestId>fake-request-id</RequestId></Error>", esc(code), esc(msg))
	default:
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(&b, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake-request-id</RequestId></ErrorResponse>", esc(code), esc(msg))
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// route names the operation of a request and its parameters.
func route(proto protocol, service string, r *http.Request, body []byte) (string, map[string]string, error) {
	params := map[string]string{}
	switch proto {
	case protoQuery, protoEC2:
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return "", nil, fmt.Errorf("form body: %v", err)
		}
		for k := range v {
			params[k] = v.Get(k)
		}
		a := params["Action"]
		if a == "" {
			return "", nil, fmt.Errorf("no Action in the form body")
		}
		return a, params, nil
	case protoJSON:
		t := r.Header.Get("X-Amz-Target")
		_, a, ok := strings.Cut(t, ".")
		if !ok {
			return "", nil, fmt.Errorf("X-Amz-Target %q is not Prefix.Operation", t)
		}
		if len(bytes.TrimSpace(body)) > 0 {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				return "", nil, fmt.Errorf("JSON body: %v", err)
			}
			for k, v := range m {
				switch v := v.(type) {
				case string:
					params[k] = v
				case float64:
					params[k] = strconv.FormatFloat(v, 'f', -1, 64)
				case bool:
					params[k] = strconv.FormatBool(v)
				}
			}
		}
		return a, params, nil
	}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	path := r.URL.EscapedPath()
	for _, rt := range restRoutes[service] {
		if rt.method != r.Method {
			continue
		}
		m := rt.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		if rt.query != "" {
			if _, ok := r.URL.Query()[rt.query]; !ok {
				continue
			}
		}
		for i, n := range rt.re.SubexpNames() {
			if n != "" {
				v, _ := url.PathUnescape(m[i])
				params[n] = v
			}
		}
		return rt.action, params, nil
	}
	return "", nil, fmt.Errorf("no %s operation for %s %s", service, r.Method, r.URL.RequestURI())
}

type restRoute struct {
	method, query, action string
	re                    *regexp.Regexp
}

func rr(method, pattern, query, action string) restRoute {
	p := regexp.MustCompile(`\{(\w+)\}`).ReplaceAllString(pattern, `(?P<$1>[^/]+)`)
	return restRoute{method: method, query: query, action: action, re: regexp.MustCompile("^" + p + "$")}
}

var restRoutes = map[string][]restRoute{
	"s3": {
		rr("GET", "/", "", "ListBuckets"),
		rr("GET", "/{Bucket}", "acl", "GetBucketAcl"),
		rr("GET", "/{Bucket}", "encryption", "GetBucketEncryption"),
		rr("GET", "/{Bucket}", "versioning", "GetBucketVersioning"),
		rr("GET", "/{Bucket}", "policy", "GetBucketPolicy"),
		rr("GET", "/{Bucket}", "publicAccessBlock", "GetPublicAccessBlock"),
		rr("GET", "/{Bucket}", "logging", "GetBucketLogging"),
		rr("GET", "/{Bucket}", "lifecycle", "GetBucketLifecycleConfiguration"),
		rr("GET", "/{Bucket}", "object-lock", "GetObjectLockConfiguration"),
		rr("GET", "/{Bucket}", "location", "GetBucketLocation"),
		rr("GET", "/{Bucket}", "tagging", "GetBucketTagging"),
		rr("HEAD", "/{Bucket}", "", "HeadBucket"),
	},
	"lambda": {
		rr("GET", "/2015-03-31/functions/", "", "ListFunctions"),
		rr("GET", "/2015-03-31/functions/{FunctionName}", "", "GetFunction"),
		rr("GET", "/2015-03-31/functions/{FunctionName}/policy", "", "GetPolicy"),
		rr("GET", "/2017-03-31/tags/{Resource}", "", "ListTags"),
	},
	"eks": {
		rr("GET", "/clusters", "", "ListClusters"),
		rr("GET", "/clusters/{name}", "", "DescribeCluster"),
		rr("GET", "/clusters/{name}/node-groups", "", "ListNodegroups"),
		rr("GET", "/clusters/{name}/node-groups/{nodegroupName}", "", "DescribeNodegroup"),
		rr("GET", "/clusters/{name}/fargate-profiles", "", "ListFargateProfiles"),
		rr("GET", "/clusters/{name}/fargate-profiles/{fargateProfileName}", "", "DescribeFargateProfile"),
	},
	"guardduty": {
		rr("GET", "/detector", "", "ListDetectors"),
		rr("GET", "/detector/{detectorId}", "", "GetDetector"),
		rr("GET", "/detector/{detectorId}/master", "", "GetMasterAccount"),
		rr("GET", "/detector/{detectorId}/administrator", "", "GetAdministratorAccount"),
	},
}

var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$`)

// verify checks the request's SigV4 signature; it returns the service and region of its
// credential scope, and a message when the signature is missing or wrong.
func (s *Server) verify(r *http.Request, body []byte) (service, region, akid, problem string) {
	service, region, problem = s.verifyKey(r, body)
	if m := authRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		akid = m[1]
	}
	return service, region, akid, problem
}

func (s *Server) verifyKey(r *http.Request, body []byte) (service, region, problem string) {
	m := authRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return "", "", "Missing or malformed Authorization header (AWS4-HMAC-SHA256 expected)"
	}
	akid, day, region, service, signed, sig := m[1], m[2], m[3], m[4], m[5], m[6]
	s.mu.Lock()
	secret, ok := s.keys[akid]
	s.mu.Unlock()
	if !ok {
		return service, region, "The security token included in the request is invalid (unknown access key " + akid + ")"
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if !strings.HasPrefix(amzDate, day) {
		return service, region, "X-Amz-Date does not match the credential scope's date"
	}
	if t, err := time.Parse("20060102T150405Z", amzDate); err != nil || time.Since(t).Abs() > 15*time.Minute {
		return service, region, "Signature expired or X-Amz-Date malformed: " + amzDate
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		if h != payloadHash && h != "UNSIGNED-PAYLOAD" {
			return service, region, "The provided x-amz-content-sha256 header does not match what was computed"
		}
		payloadHash = h
	}
	var ch strings.Builder
	names := strings.Split(signed, ";")
	if !slices.Contains(names, "host") {
		return service, region, "host must be a signed header"
	}
	for _, n := range names {
		var v string
		switch n {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
		default:
			vs := r.Header.Values(http.CanonicalHeaderKey(n))
			for i := range vs {
				vs[i] = strings.Join(strings.Fields(vs[i]), " ")
			}
			v = strings.Join(vs, ",")
		}
		ch.WriteString(n + ":" + v + "\n")
	}
	uri := r.URL.EscapedPath()
	if uri == "" {
		uri = "/"
	}
	if service != "s3" {
		uri = escapePath(uri)
	}
	canonical := strings.Join([]string{r.Method, uri, canonicalQuery(r.URL.RawQuery), ch.String(), signed, payloadHash}, "\n")
	ch2 := sha256.Sum256([]byte(canonical))
	scope := day + "/" + region + "/" + service + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(ch2[:])
	key := hmacSHA([]byte("AWS4"+secret), day)
	key = hmacSHA(key, region)
	key = hmacSHA(key, service)
	key = hmacSHA(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA(key, sts))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return service, region, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	}
	return service, region, ""
}

func hmacSHA(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

// escapePath escapes an already escaped path once more, as SigV4 does for every service but S3.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' || unreserved(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

func awsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if unreserved(s[i]) {
			b.WriteByte(s[i])
		} else {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
	}
	return b.String()
}

func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(part, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		pairs = append(pairs, kv{awsEscape(k), awsEscape(v)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

// AssumeRoleBody is an STS AssumeRole response for roleARN whose credentials the server fills
// with a fresh key it then accepts (valid for an hour).
func AssumeRoleBody(roleARN string) string {
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
		`<AssumedRoleUser><Arn>` + roleARN + `/panther</Arn><AssumedRoleId>AROAFAKE:panther</AssumedRoleId></AssumedRoleUser>` +
		`<Credentials><AccessKeyId>ASIAKEY</AccessKeyId><SecretAccessKey>SECRETKEY</SecretAccessKey><SessionToken>SESSIONTOKEN</SessionToken><Expiration>` + exp + `</Expiration></Credentials>` +
		`</AssumeRoleResult><ResponseMetadata><RequestId>fake-request-id</RequestId></ResponseMetadata></AssumeRoleResponse>`
}

// CallerIdentityBody is an STS GetCallerIdentity response for account.
func CallerIdentityBody(account string) string {
	return `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
		`<Arn>arn:aws:iam::` + account + `:user/panther</Arn><UserId>AIDAFAKE</UserId><Account>` + account + `</Account>` +
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>fake-request-id</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
}
