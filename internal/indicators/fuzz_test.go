package indicators

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScanners runs every scanner on arbitrary values and checks what they add: only their
// own kinds, never empty or "-", in normal form (scanning a result again gives it back).
func FuzzScanners(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "::ffff:1.2.3.4", "fe80::1%eth0", "[2001:db8::1]:443",
		"https://user@Example.com:8080/x", "xn--mnchen-3ya.de", "MÜNCHEN.de", "xn--80aealotwbjpid2k.xn--p1ai",
		"D41D8CD98F00B204E9800998ECF8427E", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",
		"arn:aws:s3:::bucket", "Alice <Alice@Example.com>", "i-0123", "123456789012", "-", " ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, sc := range Scanners {
			var set Set
			sc.Scan(&set, value)
			for _, k := range Kinds {
				vals := set.Values(k)
				if len(vals) > 0 && !containsKind(sc.Kinds(), k) {
					t.Fatalf("%s.Scan(%q) produced kind %s", sc, value, k)
				}
				for _, v := range vals {
					if v == "" || v == "-" || v != trimSpace(v) {
						t.Fatalf("%s.Scan(%q) produced %s %q", sc, value, k, v)
					}
					checkNormalForm(t, sc, value, k, v)
				}
			}
		}
	})
}

// checkNormalForm checks that v, produced by scanning value, is in the normal form of kind k.
func checkNormalForm(t *testing.T, sc Scanner, value string, k Kind, v string) {
	t.Helper()
	rescan := func(s Scanner) {
		var again Set
		s.Scan(&again, v)
		if got := again.Values(k); len(got) != 1 || got[0] != v {
			t.Fatalf("%s.Scan(%q) produced %s %q, but %s.Scan of that gives %q", sc, value, k, v, s, got)
		}
	}
	switch k {
	case KindIPAddress:
		addr, err := netip.ParseAddr(v)
		if err != nil || addr.String() != v || addr.Is4In6() || addr.Zone() != "" {
			t.Fatalf("%s.Scan(%q) produced IP %q, not canonical", sc, value, v)
		}
	case KindDomainName:
		if !utf8.ValidString(v) || strings.ContainsAny(v, " /:@") {
			t.Fatalf("%s.Scan(%q) produced domain %q", sc, value, v)
		}
		rescan(ScanDomain)
	case KindMD5, KindSHA1, KindSHA256:
		for i := 0; i < len(v); i++ {
			if !strings.ContainsRune("0123456789abcdef", rune(v[i])) {
				t.Fatalf("%s.Scan(%q) produced hash %q", sc, value, v)
			}
		}
		rescan(sc)
	case KindAWSAccountID:
		if !isAccountID(v) {
			t.Fatalf("%s.Scan(%q) produced account id %q", sc, value, v)
		}
	case KindAWSInstanceID:
		rescan(ScanAWSInstanceID)
	case KindAWSARN:
		rescan(ScanAWSARN)
	case KindEmail:
		rescan(ScanEmail)
	}
}

// FuzzScanJSON checks that ScanJSON never panics, accepts every valid JSON document (up to its
// depth limit), and finds the same indicators as a reference walk over encoding/json tokens.
func FuzzScanJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		if raw, err := os.ReadFile(file); err == nil {
			f.Add(raw)
		}
	}
	for _, s := range []string{`{"tags": {"a": "b"}}`, `{"x": "\ud83d\ude00\ud800\u0041"}`, `[1, "arn:aws:s3:::b"]`,
		`{"ipAddress": "1.2.3.4"`, `{"a": [[[[`, `"\u00e9"`, `{"Tags":[{"Key":"k","Value":"v"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var got Set
		err := ScanJSON(&got, doc)
		if !json.Valid(doc) || !utf8.Valid(doc) {
			return
		}
		if err != nil {
			if strings.Contains(err.Error(), "nesting deeper") {
				return
			}
			t.Fatalf("ScanJSON(%q) on valid JSON: %v", doc, err)
		}
		var want Set
		if err := referenceScanJSON(&want, doc); err != nil {
			t.Fatalf("reference walk of %q: %v", doc, err)
		}
		if g, w := render(&got), render(&want); g != w {
			t.Fatalf("ScanJSON(%q):\n%s\nreference:\n%s", doc, g, w)
		}
	})
}

// referenceScanJSON applies the rules of ScanJSON while reading the document with
// encoding/json, to check the hand-written reader.
func referenceScanJSON(set *Set, doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	w := jsonWalker{set: set}
	// walk reads one value and returns its text if it is a string.
	var walk func(c jsonContext) (string, bool, error)
	walk = func(c jsonContext) (string, bool, error) {
		tok, err := dec.Token()
		if err != nil {
			return "", false, err
		}
		switch v := tok.(type) {
		case string:
			w.scanString([]byte(v), c)
			return v, true, nil
		case json.Number:
			if c.role == roleAccount && isAccountID(v.String()) {
				set.Add(KindAWSAccountID, v.String())
			}
		case json.Delim:
			switch v {
			case '[':
				elem := jsonContext{role: c.role, inTag: c.inTag}
				for dec.More() {
					if _, _, err := walk(elem); err != nil {
						return "", false, err
					}
				}
			case '{':
				var tagKey, tagValue string
				var hasKey, hasValue bool
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return "", false, err
					}
					key := kt.(string)
					s, isString, err := walk(contextOf([]byte(key), c))
					if err != nil {
						return "", false, err
					}
					if !c.inTag || !isString {
						continue
					}
					switch {
					case equalFold([]byte(key), "key"):
						tagKey, hasKey = s, true
					case equalFold([]byte(key), "value"):
						tagValue, hasValue = s, true
					case c.tagMap:
						w.addTag([]byte(key), []byte(s))
					}
				}
				if hasKey && hasValue {
					w.addTag([]byte(tagKey), []byte(tagValue))
				} else if c.tagMap && hasKey {
					w.addTag([]byte("key"), []byte(tagKey))
				} else if c.tagMap && hasValue {
					w.addTag([]byte("value"), []byte(tagValue))
				}
			}
			if _, err := dec.Token(); err != nil { // the closing delimiter
				return "", false, err
			}
		}
		return "", false, nil
	}
	_, _, err := walk(jsonContext{})
	return err
}
