// Package input turns a log file or stream into records: it undoes the
// compression (Decompress) and cuts the bytes into records (Reader), each of
// which is then classified into a log type or quarantined.
//
// Nothing is lost: every byte of the stream other than whitespace between
// records, the byte order mark, and the brackets, commas and wrapper keys of
// a streamed JSON array belongs to exactly one record, so that every record
// is either parsed or quarantined. Memory stays bounded whatever the input:
// a 2 GB file, a 2 GB line or a 2 GB JSON array are read through a buffer of
// at most about Options.MaxRecordBytes.
//
// # Decompression
//
// Decompress sniffs the first bytes of the stream: gzip (also several members
// one after the other), zstd (several frames, skippable frames), bzip2, or
// anything else, read as is. Corrupt or truncated compressed data ends the
// stream with a *DecompressError that names the compression and how many
// decompressed bytes came before it; the records framed before it are still
// delivered.
//
// # Framing
//
// The Reader applies these rules, in order, at each point of the stream:
//
//  1. Whitespace between records (space, \t, \n, \r, \v, \f), empty lines
//     included, is skipped. A UTF-8 byte order mark at the start of the
//     stream is dropped.
//  2. At '{', the reader scans one JSON value with a strict grammar (RFC
//     8259; strings may not hold raw newlines or control bytes; nesting
//     deeper than 10000 is invalid). A valid value is one record with
//     JSON=true, even if it is pretty-printed over many lines or followed by
//     another value on the same line: `{"a":1}{"b":2}` and `{"a":1} {"b":2}`
//     are two records each. Whatever follows a value on its last line is
//     framed by these same rules.
//     An object whose first key is "Records" or "records" with an array value
//     (CloudTrail and S3-style `{"Records":[...]}` files; Azure diagnostic logs
//     as an event hub or a storage blob holds them, `{"records":[...]}`) is
//     streamed: each element of
//     the array becomes a record (see rule 3), and the members after the
//     array are checked and dropped. If something after the array is
//     invalid, the rest of that line from there becomes a text record.
//     An invalid value (a syntax error, or the end of the stream inside it)
//     falls back to text: the line where the value starts, from the value's
//     first byte, is one record with JSON=false, and framing resumes on the
//     next line. A truncated JSON line is therefore one bad record and the
//     lines after it are unaffected.
//  3. At '[', the reader first checks the array's first line (when it is
//     no longer than 1 MiB and MaxRecordBytes). If the array is invalid on that line, or closes
//     on it and is followed by text other than another JSON value (as in
//     "[0.123] kernel: ..." or "[2021-01-01 10:00:00] msg"), the line is a
//     text record. Otherwise the array is streamed without being buffered:
//     each element is a record with JSON=true, returned once the ',' or ']'
//     after it has been seen. On a syntax error inside the array, the rest
//     of the current line from the failing element (or token) is a text
//     record and framing resumes on the next line. If the error comes
//     before any element was returned, the line where the array (or the
//     Records wrapper) starts is the text record instead, as in rule 2.
//  4. Anything else is text: the record is the rest of the line up to '\n',
//     without leading and trailing ASCII whitespace (so a '\r' before the
//     '\n' is dropped). The leading white space is kept in Record.Indent, for
//     the multi-line framing of text types (classify.Stream joins indented
//     lines, such as a stack trace, to the record before them).
//  5. A record longer than Options.MaxRecordBytes is returned with
//     TooLong=true, its first Options.KeepBytes bytes in Data and its full
//     size in Size; the rest is skipped without being kept. A text record
//     runs to the end of its line. A JSON value goes on being checked while
//     it is skipped: if it ends validly the record ends with it (and an
//     array goes on with its next element), otherwise the record runs to the
//     end of the line where it turned invalid. Such a record has JSON=false.
//  6. Binary data, NUL bytes and invalid UTF-8 get no special treatment:
//     they end up in text records (or inside JSON strings) for the
//     classifier to reject.
//  7. Line numbers count '\n' bytes in the decompressed stream, those inside
//     pretty-printed JSON included. Offsets count bytes of the decompressed
//     stream, the byte order mark included.
//
// Invalid JSON that spans many lines is scanned again line by line after it
// falls back to text. To keep framing linear in time on adversarial input,
// once the bytes scanned twice exceed four times the bytes read (plus 64 MiB),
// the reader requires every JSON value to end on the line where it starts.
package input
