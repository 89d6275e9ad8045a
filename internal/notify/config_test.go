package notify_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/notify"
)

type inner struct {
	Token notify.Secret `json:"token,omitempty" desc:"embedded secret"`
}

type testConfig struct {
	URL     string                   `json:"url" notify:"required" desc:"the URL"`
	Key     notify.Secret            `json:"key" notify:"required"`
	Region  string                   `json:"region,omitempty" enum:"US,EU" default:"US"`
	Port    int                      `json:"port,omitempty"`
	On      bool                     `json:"on,omitempty"`
	Labels  []string                 `json:"labels,omitempty"`
	Headers map[string]notify.Secret `json:"headers,omitempty"`
	Keys    []notify.Secret          `json:"keys,omitempty"`
	Skipped string                   `json:"-"`
	inner
	Inner2 inner `json:"nested"`
}

func (c *testConfig) Validate() error {
	var v notify.Checks
	v.URL("url", c.URL, true)
	v.Required("key", string(c.Key))
	if c.Region != "" {
		v.OneOf("region", c.Region, "US", "EU")
	}
	return v.Err()
}

func TestFieldsOf(t *testing.T) {
	var got []string
	for _, f := range notify.FieldsOf(&testConfig{}) {
		s := f.Name + ":" + f.Kind
		if f.Secret {
			s += ":secret"
		}
		if f.Required {
			s += ":required"
		}
		if len(f.Enum) > 0 {
			s += ":" + strings.Join(f.Enum, "|") + "=" + f.Default
		}
		got = append(got, s)
	}
	want := "url:string:required key:string:secret:required region:string:US|EU=US port:int on:bool labels:list headers:map:secret keys:list:secret token:string:secret nested:string"
	if strings.Join(got, " ") != want {
		t.Errorf("FieldsOf:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

var testType = notify.NewType("test", "a test destination", func(c *testConfig, _ notify.Options) (notify.NotifierFunc, error) {
	if err := notify.InvalidConfig("test", c.Validate()); err != nil {
		return nil, err
	}
	return nil, nil
})

func TestDecodeConfig(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{``, "test: url: required\ntest: key: required"},
		{`null`, "test: url: required\ntest: key: required"},
		{` {"url":"https://x","key":"k"} `, ""},
		{`"string"`, "test: config: expected a JSON object"},
		{`{"url":"https://x","key":"k","extra":1}`, `test: extra: unknown field`},
		{`{"url":"https://x","key":"k","port":"80"}`, "test: port: expected an integer, got string"},
		{`{"url":"https://x","key":"k","on":1}`, "test: on: expected a boolean, got number"},
		{`{"url":"https://x","key":"k","headers":{"a":1}}`, "test: headers: expected a string, got number"},
		{`{"url":"https://x","key":"k","headers":[]}`, "test: headers: expected an object, got array"},
		{`{"url":"https://x","key":"k"}{`, "test: config: unexpected data after the JSON object"},
		{`{"url":`, "test: config: invalid JSON: the document ends early"},
		{`{"url":"https://x","key":"k","region":"APAC"}`, `test: region: must be one of US, EU, got "APAC"`},
		{`{"url":"mailto:x","key":""}`, "test: url: must be an http or https URL\ntest: key: required"},
		{`{"url":"https://%zz","key":"k"}`, "test: url: must be a valid URL"},
	} {
		err := testType.Validate(json.RawMessage(tc.raw))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Validate(%q)\n got %q\nwant %q", tc.raw, got, tc.want)
		}
		if err != nil {
			var ce *notify.ConfigError
			if !errors.As(err, &ce) || ce.Type != "test" {
				t.Errorf("Validate(%q) error is not a ConfigError of test: %T", tc.raw, err)
			}
		}
	}
}

func TestFieldErrorsUnwrap(t *testing.T) {
	err := testType.Validate(json.RawMessage(`{}`))
	var fe *notify.FieldError
	if !errors.As(err, &fe) || fe.Field != "url" || fe.Msg != "required" {
		t.Errorf("first field error: %+v", fe)
	}
}

func TestChecksEmail(t *testing.T) {
	var v notify.Checks
	v.Email("a", "soc@example.com")
	v.Email("b", "SOC <soc@example.com>")
	v.Email("c", "")
	want := "b: must be an e-mail address like alerts@example.com, got \"SOC <soc@example.com>\"\nc: required"
	if err := v.Err(); err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
}

func FuzzDecodeConfig(f *testing.F) {
	f.Add([]byte(`{"url":"https://x","key":"k","headers":{"a":"b"},"labels":["x"],"port":1}`))
	f.Add([]byte(`{"url":1}`))
	f.Add([]byte(`[`))
	f.Add([]byte(`{"inner":{"token":"x"},"nested":{"token":"y"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var c testConfig
		err := notify.DecodeConfig("test", raw, &c)
		if err == nil {
			_ = c.Validate()
			return
		}
		msg := err.Error()
		if msg == "" {
			t.Fatal("empty error message")
		}
		for _, line := range strings.Split(msg, "\n") {
			if !strings.HasPrefix(line, "test: ") {
				t.Fatalf("error line %q does not name the destination type", line)
			}
		}
	})
}
