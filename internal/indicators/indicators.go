// Package indicators collects the p_any_* indicator fields of log events.
//
// A schema tags string fields with scanners (indicators: [ip, aws_arn]); while an event is
// decoded, each tagged value is given to its scanners, which validate and normalise it and add
// what they find to the event's Set. The Set then yields, for each of the twelve kinds, the
// de-duplicated sorted values that go into the p_any_* columns. ScanJSON does the same for free
// JSON documents such as CloudTrail requestParameters, by key name.
//
// Empty values and "-" are never indicators, and surrounding white space is ignored by every
// scanner.
package indicators

import (
	"fmt"
	"strings"
)

// Kind is one kind of indicator, stored in one p_any_* column.
type Kind uint8

// The kinds, in the order of their columns.
const (
	KindIPAddress     Kind = iota // p_any_ip_addresses
	KindDomainName                // p_any_domain_names
	KindMD5                       // p_any_md5_hashes
	KindSHA1                      // p_any_sha1_hashes
	KindSHA256                    // p_any_sha256_hashes
	KindTraceID                   // p_any_trace_ids
	KindAWSAccountID              // p_any_aws_account_ids
	KindAWSInstanceID             // p_any_aws_instance_ids
	KindAWSARN                    // p_any_aws_arns
	KindAWSTag                    // p_any_aws_tags
	KindEmail                     // p_any_emails
	KindUsername                  // p_any_usernames

	numKinds = iota
)

// Kinds lists every kind in column order.
var Kinds = [numKinds]Kind{
	KindIPAddress, KindDomainName, KindMD5, KindSHA1, KindSHA256, KindTraceID,
	KindAWSAccountID, KindAWSInstanceID, KindAWSARN, KindAWSTag, KindEmail, KindUsername,
}

var kindNames = [numKinds]string{
	"ip_addresses", "domain_names", "md5_hashes", "sha1_hashes", "sha256_hashes", "trace_ids",
	"aws_account_ids", "aws_instance_ids", "aws_arns", "aws_tags", "emails", "usernames",
}

// columnPrefix starts every indicator column name.
const columnPrefix = "p_any_"

// Column returns the lake column of the kind, such as "p_any_ip_addresses".
func (k Kind) Column() string {
	if k >= numKinds {
		return fmt.Sprintf("p_any_invalid_kind_%d", uint8(k))
	}
	return columnPrefix + kindNames[k]
}

// String returns the column name without its prefix, such as "ip_addresses".
func (k Kind) String() string {
	if k >= numKinds {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return kindNames[k]
}

// KindOfColumn returns the kind stored in the named column, such as "p_any_emails".
func KindOfColumn(column string) (Kind, bool) {
	name, ok := strings.CutPrefix(column, columnPrefix)
	if !ok {
		return 0, false
	}
	for k, n := range kindNames {
		if n == name {
			return Kind(k), true
		}
	}
	return 0, false
}

// Scanner validates and normalises a value and adds the indicators it finds to a Set. Scanners
// are named in schemas' indicators lists.
type Scanner uint8

// The scanners, in the order of their names in Scanners.
const (
	ScanIP            Scanner = iota // "ip": an IPv4 or IPv6 address
	ScanDomain                       // "domain": a DNS name
	ScanHostname                     // "hostname": an IP address, else a DNS name
	ScanURL                          // "url": the host of a URL, as hostname
	ScanNetAddr                      // "net_addr": host, host:port or [v6]:port, as hostname
	ScanMD5                          // "md5": 32 hex digits
	ScanSHA1                         // "sha1": 40 hex digits
	ScanSHA256                       // "sha256": 64 hex digits
	ScanTraceID                      // "trace_id": any value
	ScanAWSAccountID                 // "aws_account_id": 12 digits
	ScanAWSARN                       // "aws_arn": an ARN, with its account and instance ids
	ScanAWSInstanceID                // "aws_instance_id": "i-" and letters and digits
	ScanAWSTag                       // "aws_tag": "key:value"
	ScanEmail                        // "email": an address with '@'
	ScanUsername                     // "username": any value

	numScanners = iota
)

// Scanners lists every scanner.
var Scanners = [numScanners]Scanner{
	ScanIP, ScanDomain, ScanHostname, ScanURL, ScanNetAddr, ScanMD5, ScanSHA1, ScanSHA256,
	ScanTraceID, ScanAWSAccountID, ScanAWSARN, ScanAWSInstanceID, ScanAWSTag, ScanEmail, ScanUsername,
}

var scannerNames = [numScanners]string{
	"ip", "domain", "hostname", "url", "net_addr", "md5", "sha1", "sha256", "trace_id",
	"aws_account_id", "aws_arn", "aws_instance_id", "aws_tag", "email", "username",
}

var scannerKinds = [numScanners][]Kind{
	ScanIP:            {KindIPAddress},
	ScanDomain:        {KindDomainName},
	ScanHostname:      {KindIPAddress, KindDomainName},
	ScanURL:           {KindIPAddress, KindDomainName},
	ScanNetAddr:       {KindIPAddress, KindDomainName},
	ScanMD5:           {KindMD5},
	ScanSHA1:          {KindSHA1},
	ScanSHA256:        {KindSHA256},
	ScanTraceID:       {KindTraceID},
	ScanAWSAccountID:  {KindAWSAccountID},
	ScanAWSARN:        {KindAWSAccountID, KindAWSInstanceID, KindAWSARN},
	ScanAWSInstanceID: {KindAWSInstanceID},
	ScanAWSTag:        {KindAWSTag},
	ScanEmail:         {KindEmail},
	ScanUsername:      {KindUsername},
}

// ParseScanner returns the scanner with the given schema name, such as "net_addr".
func ParseScanner(name string) (Scanner, error) {
	for i, n := range scannerNames {
		if n == name {
			return Scanner(i), nil
		}
	}
	return 0, fmt.Errorf("unknown indicator scanner %q: expected one of %s", name, strings.Join(scannerNames[:], ", "))
}

// String returns the schema name of the scanner.
func (s Scanner) String() string {
	if s >= numScanners {
		return fmt.Sprintf("Scanner(%d)", uint8(s))
	}
	return scannerNames[s]
}

// Kinds returns the kinds the scanner can produce, in column order. The caller may modify the
// returned slice.
func (s Scanner) Kinds() []Kind {
	if s >= numScanners {
		return nil
	}
	return append([]Kind(nil), scannerKinds[s]...)
}
