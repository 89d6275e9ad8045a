package logtypes

import "github.com/pantherlabs/panther/internal/indicators"

// The Atlassian.Audit native parser decodes an organization audit event with the schema and
// scans it by key name: the attributes of the entities an action was performed on
// (attributes.context[].attributes) are free-form, yet hold the email address and name of the
// user who was added, removed or impersonated, which detections and indicator searches need.
func init() {
	natives["Atlassian.Audit"] = newKeyScanParser(&keyScanner{
		byKey: map[string][]indicators.Scanner{
			"email":        {indicators.ScanEmail},
			"emailAddress": {indicators.ScanEmail},
			"ip":           {indicators.ScanIP},
			"siteHostName": {indicators.ScanURL},
		},
	})
	jsonNatives["Atlassian.Audit"] = true
}
