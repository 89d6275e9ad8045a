// Package logschema reads, validates and compiles log schemas: the YAML documents that describe
// a log type (its fields, their value types, indicators, timestamp formats and the parser that
// turns a raw record into fields). Managed log types and user-defined ones share this format,
// which follows Panther's custom log schema (spec id logspec/v0).
package logschema

// Schema is one log schema document.
type Schema struct {
	Version      int
	Name         string // the `schema` key, e.g. AWS.CloudTrail or Custom.MyApp
	Description  string
	ReferenceURL string
	Parser       *Parser
	Definitions  map[string]*ValueSchema
	Fields       []FieldSchema

	// Classify holds hints for the classifier; optional.
	Classify Classify
	// Multiline, for text types, joins the lines that continue a record to it; optional.
	Multiline *Multiline

	// Source is where the schema was read from (a file name), for messages.
	Source string
	// Text is the document as it was read.
	Text []byte
}

// Classify holds optional classification hints of a schema.
type Classify struct {
	// Rank orders types that accept the same record: lower ranks are preferred. Zero is the
	// default rank 100.
	Rank int
}

// Multiline is the framing rule of a text type whose records may span lines (indented lines
// after a syslog line, stack traces): the lines after a record of the type that continue it
// are joined to it, separated by "\n", before it is parsed. Exactly one of Continuation and
// Start is set. A record grows to at most MaxLines lines and MaxBytes bytes; continuation
// lines past the limit are quarantined with a reason that says so, nothing is dropped.
type Multiline struct {
	// Continuation is a regular expression (Go syntax) that a line continuing the record
	// matches, such as '^\s' for indented lines. The line is matched with its leading white
	// space.
	Continuation string
	// Start is a regular expression that a line starting a new record matches, such as
	// '^\d{4}-\d\d-\d\d '; the lines that do not match continue the record before them.
	Start string
	// MaxLines and MaxBytes bound a record; zero means DefaultMaxLines and DefaultMaxBytes.
	MaxLines int
	MaxBytes int
}

// Defaults of Multiline.
const (
	DefaultMaxLines = 1000
	DefaultMaxBytes = 256 << 10
)

// Parser selects how a raw record becomes fields. At most one member is set; none means the
// record is a JSON object.
type Parser struct {
	CSV       *CSVParser
	Fastmatch *FastmatchParser
	Regex     *RegexParser
	Native    *NativeParser
}

// TextOptions are the options shared by the text parsers.
type TextOptions struct {
	SkipLines    int
	SkipPrefix   string
	EmptyValues  []string
	TrimSpace    bool
	ExpandFields map[string]string
}

// CSVParser configures the csv parser.
type CSVParser struct {
	TextOptions
	Delimiter string
	HasHeader bool
	Columns   []string
	// Layouts are the layouts of a log that gained or lost columns over its versions: a row
	// takes the one of its column count (see textparse.CSVOptions.Layouts).
	Layouts [][]string
}

// FastmatchParser configures the fastmatch parser.
type FastmatchParser struct {
	TextOptions
	Match []string
}

// RegexParser configures the grok-like regex parser.
type RegexParser struct {
	TextOptions
	Match              []string
	PatternDefinitions map[string]string
}

// NativeParser names a parser built into the binary.
type NativeParser struct {
	Name string
}

// FieldSchema is a named field of an object.
type FieldSchema struct {
	Name        string
	Required    bool
	Description string
	ValueSchema
}

// ValueSchema describes a value.
type ValueSchema struct {
	Type        ValueType
	Fields      []FieldSchema // object
	Element     *ValueSchema  // array
	Target      string        // ref
	Indicators  []string      // string
	Validate    *Validate     // string
	TimeFormat  string        // timestamp
	TimeFormats []string      // timestamp: alternatives tried in order after TimeFormat
	IsEventTime bool          // timestamp
	// IsEmbeddedJSON marks an object, array or json value that arrives as a JSON string.
	IsEmbeddedJSON bool
	Description    string

	line int // position in the source, for messages
}

// Validate holds allow or deny lists of a string value.
type Validate struct {
	Allow []string
	Deny  []string
}

// ValueType is the `type` of a value.
type ValueType string

// The value types of the schema format.
const (
	TypeString    ValueType = "string"
	TypeInt       ValueType = "int"
	TypeSmallInt  ValueType = "smallint"
	TypeBigInt    ValueType = "bigint"
	TypeFloat     ValueType = "float"
	TypeBoolean   ValueType = "boolean"
	TypeTimestamp ValueType = "timestamp"
	TypeJSON      ValueType = "json"
	TypeObject    ValueType = "object"
	TypeArray     ValueType = "array"
	TypeRef       ValueType = "ref"
)

var valueTypes = []ValueType{TypeString, TypeInt, TypeSmallInt, TypeBigInt, TypeFloat, TypeBoolean,
	TypeTimestamp, TypeJSON, TypeObject, TypeArray, TypeRef}
