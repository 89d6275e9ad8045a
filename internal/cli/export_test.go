package cli

// ParseSince is parseSince, for tests.
var ParseSince = parseSince
