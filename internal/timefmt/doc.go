// Package timefmt parses the timestamps of log events.
//
// A schema field of type timestamp names a timeFormat; New turns that name into a Parser. The
// formats are:
//
//   - "rfc3339": RFC 3339 text, parsed by a hand-written parser (see ParseRFC3339).
//   - "unix", "unix_ms", "unix_us", "unix_ns": a decimal number of seconds, milliseconds,
//     microseconds or nanoseconds since the Unix epoch (see ParseUnix).
//   - "cloudflare": what Cloudflare Logpush writes: RFC 3339 text or a Unix number whose unit is
//     chosen by its magnitude (see ParseCloudflare).
//   - "layout=<Go layout>": a Go reference-time layout, parsed with time.Parse.
//   - anything else: a strftime pattern such as "%Y-%m-%d %H:%M:%S" (see below).
//
// Every parser returns times in UTC (the location of the result is time.UTC) with the full
// sub-second precision of the text, down to nanoseconds; digits beyond nanoseconds are
// truncated. Results are limited to the years 0000 to 9999, the range RFC 3339 can write.
//
// Parsers are safe for concurrent use and do not allocate when the value parses. The text given
// to Parse is never retained, except as a copy inside a returned error.
//
// # Strftime patterns
//
// Strftime patterns are parsed, not formatted: each directive reads a field from the text. The
// directives are those of C strptime in the "C" locale, plus a few common extensions:
//
//	%Y  year, 1 to 4 digits           %y  2-digit year: 69-99 are 1969-1999, 00-68 are 2000-2068
//	%m  month 1-12                    %d  day of month 1-31 (%e: same, leading space allowed)
//	%j  day of year 1-366             %H  hour 0-23 (%k: same)
//	%I  hour 1-12 (%l: same)          %p  AM or PM, any case, applies to %I and %l (%P: same)
//	%M  minute 0-59                   %S  second 0-60 (60 is a leap second, see ParseRFC3339)
//	%f  fraction of a second, 1 to 9 digits (more are truncated); with a width, %3f, exactly
//	    that many digits (%N: same as %f)
//	%L  milliseconds, exactly 3 digits
//	%z  zone offset: +hhmm, +hh:mm, +hh or Z
//	%Z  zone name: a run of letters. UTC, GMT, UT and Z are UTC; any other abbreviation is also
//	    read as UTC, because abbreviations are ambiguous (CST is both US Central and China
//	    Standard Time). An offset such as +0100 is accepted too and is applied. When the
//	    pattern also has %z, the %z offset is the one applied.
//	%b  month name, English, full or abbreviated, any case (%h and %B: same)
//	%a  weekday name, English, full or abbreviated, any case; read and ignored (%A: same)
//	%u  weekday 1-7 and %w weekday 0-6; read and ignored
//	%s  seconds since the epoch, optionally negative; the other date and time fields are then
//	    ignored, except a fraction (%f, %L, %N), which is added
//	%T  = %H:%M:%S    %R = %H:%M       %D = %m/%d/%y    %F = %Y-%m-%d
//	%c  = %a %b %e %H:%M:%S %Y (the "C" locale)   %x = %m/%d/%y   %X = %H:%M:%S
//	%r  = %I:%M:%S %p
//	%n %t and any white space in the pattern match zero or more white space characters
//	%%  a literal '%'
//
// Numeric fields accept fewer digits than their width and leading spaces, as strptime does.
// The flags '-', '_', '0', '^', '#' and the modifiers 'E' and 'O' are accepted and ignored. Not
// supported, because they cannot be turned into a date without more context or are rarely
// used in logs: %C, %g, %G, %U, %V, %W, time zones by name, and names in other languages. The
// whole value must match; trailing white space is allowed.
//
// Fields that the pattern does not read take defaults: month and day 1 (unless %j gives the
// day of the year), hour, minute and second 0, offset UTC. A missing year comes from the
// injected clock, with the syslog rule: the year is the latest one, counting back from next
// year, in which the date exists and the result is at most 31 days after now. A syslog line
// "Dec 31 23:59:59" read on January 2nd is therefore dated the previous year, while "Jan 1
// 00:00:01" read on December 31st is dated the next year.
package timefmt
