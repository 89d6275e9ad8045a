// Package e2e holds the end-to-end tests of the source kinds (syslog, dir, s3) through the
// real server: sources stored as the CLI stores them, a running runtime.Server, and SQL over
// the lake it writes. It has no code of its own.
package e2e
