package logtypes

import (
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// The Windows event log natives decode a record with the schema and then scan it for the
// indicators a schema cannot tag:
//
//   - Windows.EventLogs keeps EventData and UserData as json, because their fields depend on
//     the provider and event ID. Their well-known fields (the Security log's IpAddress,
//     TargetUserName, WorkstationName, ...) are scanned by name.
//   - Windows.Sysmon types every EventData field in its schema, but the hashes of an image come
//     as one string, "SHA1=...,MD5=...,SHA256=...,IMPHASH=...", in Hashes (or Hash); its MD5,
//     SHA1 and SHA256 values are added as indicators, and so are the IP addresses in the answers
//     of DNS queries (QueryResults, "type:  5 cdn.example.net;::ffff:192.0.2.1;").
//
// The value "-", which Windows writes for an empty field, is never an indicator.
func init() {
	natives["Windows.EventLogs"] = newKeyScanParser(windowsEventDataScanner)
	jsonNatives["Windows.EventLogs"] = true
	natives["Windows.Sysmon"] = newKeyScanParser(sysmonHashScanner)
	jsonNatives["Windows.Sysmon"] = true
}

// windowsEventDataScanner reads the fields that the Windows Security, System and
// application logs use for addresses, accounts and hosts, by their EventData names.
var windowsEventDataScanner = &keyScanner{
	byKey: map[string][]indicators.Scanner{
		// Addresses: 4624, 4625, 4648, 4768, 4769, 4771, 4776 (IpAddress, ClientAddress),
		// 5140, 5145 (IpAddress), 5156, 5157 (SourceAddress, DestAddress), RDP 1149, 21, 24, 25.
		"IpAddress":            {indicators.ScanIP},
		"ClientAddress":        {indicators.ScanIP},
		"SourceAddress":        {indicators.ScanIP},
		"DestAddress":          {indicators.ScanIP},
		"SourceNetworkAddress": {indicators.ScanIP},
		"Address":              {indicators.ScanIP},
		"SourceIp":             {indicators.ScanIP},
		"DestinationIp":        {indicators.ScanIP},
		// Accounts.
		"TargetUserName":         {indicators.ScanUsername},
		"SubjectUserName":        {indicators.ScanUsername},
		"TargetOutboundUserName": {indicators.ScanUsername},
		"SamAccountName":         {indicators.ScanUsername},
		"AccountName":            {indicators.ScanUsername},
		"UserName":               {indicators.ScanUsername},
		"User":                   {indicators.ScanUsername},
		"UserPrincipalName":      {indicators.ScanEmail, indicators.ScanUsername},
		// Hosts.
		"WorkstationName":  {indicators.ScanHostname},
		"Workstation":      {indicators.ScanHostname},
		"TargetServerName": {indicators.ScanHostname},
		"ClientName":       {indicators.ScanHostname},
		"DnsHostName":      {indicators.ScanHostname},
		"QueryName":        {indicators.ScanDomain},
	},
	hashLists: map[string]bool{"Hashes": true, "Hash": true},
	skip:      map[string]bool{"-": true},
}

// sysmonHashScanner reads the hash lists and DNS answers of Sysmon events.
var sysmonHashScanner = &keyScanner{
	hashLists: map[string]bool{"Hashes": true, "Hash": true},
	ipLists:   map[string]bool{"QueryResults": true},
	skip:      map[string]bool{"-": true},
}

// newKeyScanParser returns the constructor of a JSON native that decodes with the schema and
// then scans the record with scan.
func newKeyScanParser(scan *keyScanner) func(lt *logschema.LogType) (func() Parser, error) {
	return func(lt *logschema.LogType) (func() Parser, error) {
		p := keyScanParser{root: lt.Root, scan: scan}
		return func() Parser { return p }, nil
	}
}

type keyScanParser struct {
	root *logschema.Type
	scan *keyScanner
}

func (p keyScanParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	if err != nil {
		return event.Value{}, false, err
	}
	// The decoder validated the document; a scan error could only come from nesting deeper
	// than the scanner walks, and leaves the event valid with what was found.
	_ = p.scan.Scan(&d.Indicators, rec.Data)
	return v, true, nil
}
