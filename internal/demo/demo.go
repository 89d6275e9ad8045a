// Package demo holds what `panther demo` and `panther server --demo` show a newcomer: sample
// log files, a few detections of our own, and templates of live logs that the server keeps
// sending to itself (over HTTP and syslog) with current times.
package demo

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"time"
)

// Samples are log files of several types, with lines no type accepts (quarantined).
//
//go:embed samples
var Samples embed.FS

//go:embed detections
var detections embed.FS

//go:embed live
var live embed.FS

// Detections returns the demo detections: panther-analysis content of our own.
func Detections() fs.FS {
	sub, err := fs.Sub(detections, "detections")
	if err != nil {
		panic(err) // the embedded tree has this directory
	}
	return sub
}

// Batch is one body of live logs for the HTTP push source.
type Batch struct {
	Name string // the template it came from
	Body []byte
}

// Feed renders rounds of the live templates.
type Feed struct {
	round int
}

var placeholder = regexp.MustCompile(`\{\{(rfc3339|clf|n)(?:%(\d+))?\}\}`)

// Next renders one round at now: HTTP bodies (CloudTrail, nginx, and a line of no known
// type) and syslog messages (RFC 5424, one per element).
func (f *Feed) Next(now time.Time) (http []Batch, syslog [][]byte, err error) {
	f.round++
	for _, name := range []string{"cloudtrail.ndjson", "nginx.log", "garbage.log"} {
		body, err := f.render(name, now)
		if err != nil {
			return nil, nil, err
		}
		http = append(http, Batch{Name: name, Body: body})
	}
	body, err := f.render("syslog.log", now)
	if err != nil {
		return nil, nil, err
	}
	syslog = append(syslog, bytes.Split(bytes.TrimSpace(body), []byte("\n"))...)
	return http, syslog, nil
}

func (f *Feed) render(name string, now time.Time) ([]byte, error) {
	tmpl, err := live.ReadFile(path.Join("live", name))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	now = now.UTC()
	return placeholder.ReplaceAllFunc(tmpl, func(m []byte) []byte {
		sub := placeholder.FindSubmatch(m)
		switch string(sub[1]) {
		case "rfc3339":
			return []byte(now.Format(time.RFC3339))
		case "clf":
			return []byte(now.Format("02/Jan/2006:15:04:05 -0700"))
		}
		n := f.round
		if len(sub[2]) > 0 {
			if mod, _ := strconv.Atoi(string(sub[2])); mod > 0 {
				n %= mod
			}
		}
		return []byte(strconv.Itoa(n))
	}), nil
}
