package analysis

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/pantherlabs/panther/internal/simpledetect"
)

// Options control a load.
type Options struct {
	// WalkLikePAT walks like `panther_analysis_tool test`: only *.y*ml files;
	// when the path is "." or "./", only directories matching PAT's
	// patterns (*rules*, *policies*, */global_helpers, ...) have their
	// files loaded; and ./global_helpers, ../global_helpers, ./data_models
	// and ../data_models (relative to the path and to Cwd) are searched too.
	WalkLikePAT bool
	// IgnoreExtraKeys accepts unknown top-level keys in rule, policy and
	// derived rule specs (PAT's --ignore-extra-keys).
	IgnoreExtraKeys bool
	// IgnoreFiles are spec paths to skip, compared after cleaning with the
	// walked path (PAT's --ignore-files).
	IgnoreFiles []string
	// Cwd is the directory PAT's extra search directories are also
	// resolved against; empty means the process's working directory.
	Cwd string
}

// Size limits protect against huge files and zip bombs.
const (
	maxSpecBytes   = 16 << 20
	maxPythonBytes = 16 << 20
)

type loader struct {
	opts    Options
	coll    *Collection
	cands   []candidate
	seen    map[string]bool
	ignored map[string]bool
}

func newLoader(root string, opts Options) *loader {
	l := &loader{opts: opts, coll: &Collection{Root: root}, seen: map[string]bool{}, ignored: map[string]bool{}}
	for _, f := range opts.IgnoreFiles {
		l.ignored[path.Clean(toSlash(f))] = true
	}
	return l
}

func toSlash(p string) string { return filepath.ToSlash(p) }

// Load loads every analysis item under a directory, or in a .zip file.
// The error is only about opening the path; problems with individual specs
// are reported in the Collection.
func Load(root string, opts Options) (*Collection, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	if !info.IsDir() {
		if !strings.EqualFold(filepath.Ext(root), ".zip") {
			return nil, fmt.Errorf("analysis: %s: expected a directory or a .zip file", root)
		}
		zr, err := zip.OpenReader(root)
		if err != nil {
			return nil, fmt.Errorf("analysis: %s: %w", root, err)
		}
		defer zr.Close()
		return loadZipReader(&zr.Reader, root, opts)
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	l := newLoader(root, opts)
	srcs := []*source{{
		fsys:      os.DirFS(absRoot),
		absDir:    absRoot,
		walkTop:   root,
		patFilter: opts.WalkLikePAT && (root == "." || root == "./"),
		display:   func(rel string) string { return rel },
	}}
	if opts.WalkLikePAT {
		cwd := opts.Cwd
		if cwd == "" {
			if cwd, err = os.Getwd(); err != nil {
				return nil, fmt.Errorf("analysis: %w", err)
			}
		}
		for _, dir := range []string{"./global_helpers", "../global_helpers", "./data_models", "../data_models"} {
			for _, base := range []string{absRoot, cwd} {
				abs := filepath.Clean(filepath.Join(base, dir))
				if st, err := os.Stat(abs); err != nil || !st.IsDir() {
					continue
				}
				srcs = append(srcs, &source{
					fsys:    os.DirFS(abs),
					absDir:  abs,
					walkTop: toSlash(abs),
					display: relDisplay(absRoot, abs),
				})
			}
		}
	}
	for _, s := range srcs {
		if err := l.walk(s, "", s.walkTop, true); err != nil {
			if s == srcs[0] {
				return nil, fmt.Errorf("analysis: %w", err)
			}
			l.coll.Warnings = append(l.coll.Warnings, Problem{File: s.walkTop, Msg: "cannot read directory: " + err.Error(), Warning: true})
		}
	}
	l.run()
	return l.coll, nil
}

// relDisplay shows files of an extra search directory relative to the
// loaded root.
func relDisplay(absRoot, absDir string) func(string) string {
	return func(rel string) string {
		full := filepath.Join(absDir, filepath.FromSlash(rel))
		if r, err := filepath.Rel(absRoot, full); err == nil {
			return toSlash(r)
		}
		return toSlash(full)
	}
}

// LoadZip loads the analysis items of a zip archive, such as a
// panther-analysis release.
func LoadZip(r io.ReaderAt, size int64, opts Options) (*Collection, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("analysis: zip: %w", err)
	}
	return loadZipReader(zr, "", opts)
}

func loadZipReader(zr *zip.Reader, root string, opts Options) (*Collection, error) {
	return LoadFS(zr, root, opts)
}

// LoadFS loads the analysis items of a file system (a directory or an
// archive). PAT's extra search directories do not apply; name is reported
// as the Collection's Root.
func LoadFS(fsys fs.FS, name string, opts Options) (*Collection, error) {
	l := newLoader(name, opts)
	src := &source{fsys: fsys, walkTop: ".", patFilter: opts.WalkLikePAT, display: func(rel string) string { return rel }}
	if err := l.walk(src, "", ".", true); err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	l.run()
	return l.coll, nil
}

func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file is larger than %d bytes", limit)
	}
	return data, nil
}

// entry is one spec file on its way through validation.
type entry struct {
	cand     candidate
	root     *node
	typ      AnalysisType
	id       string
	sch      *schema
	c        *check
	schemaOK bool
	python   string // text of the .py file
	pyPath   string
	simple   *simpledetect.Detection
	filters  *simpledetect.Filter
}

func (e *entry) valid() bool { return e.c.errors() == 0 }

// run parses and validates every candidate, then builds the collection.
func (l *loader) run() {
	var entries []*entry
	ids := map[string]*entry{}
	for _, cand := range l.cands {
		e := l.parse(cand)
		if e == nil {
			continue
		}
		entries = append(entries, e)
		if e.sch == nil {
			continue
		}
		e.schemaOK = e.c.mapping(e.root, "", e.sch)
		if e.schemaOK {
			if first, dup := ids[e.id]; dup {
				key := idKey[e.typ]
				e.c.add(e.root.keyLine(key), key, "Conflicting AnalysisID: [%s] is already used by %s:%d", e.id, first.cand.display, first.root.keyLine(idKey[first.typ]))
			} else {
				ids[e.id] = e
			}
		}
		checkSets(e)
		checkDedup(e)
		l.readPython(e)
		compileSimple(e)
	}
	checkDataModelConflicts(entries)
	checkPacks(entries)
	for _, e := range entries {
		l.collect(e)
	}
}

// parse reads and parses one candidate; it returns nil for files that are
// not analysis specs.
func (l *loader) parse(cand candidate) *entry {
	e := &entry{cand: cand, c: &check{file: cand.display, ignoreExtra: l.opts.IgnoreExtraKeys}}
	data, err := readLimited(cand.src.fsys, cand.rel, maxSpecBytes)
	if err != nil {
		e.c.add(0, "", "cannot read file: %v", err)
		return e
	}
	if strings.EqualFold(path.Ext(cand.rel), ".json") && !json.Valid(data) && !bytes.Contains(data, []byte("AnalysisType")) {
		return nil
	}
	root, err := parseYAML(data)
	if err != nil {
		var ye *yamlError
		if errors.As(err, &ye) {
			e.c.add(ye.line, "", "invalid YAML: %s", ye.msg)
		} else {
			e.c.add(0, "", "invalid YAML: %v", err)
		}
		return e
	}
	if root == nil || root.kind != mapNode {
		return nil
	}
	at, ok := root.get("AnalysisType")
	if !ok {
		return nil
	}
	e.root = root
	t := AnalysisType(strVal(at))
	valid := false
	for _, k := range analysisTypes {
		if t == k && isStr(at) {
			valid = true
		}
	}
	if !valid {
		names := make([]string, len(analysisTypes))
		for i, k := range analysisTypes {
			names[i] = string(k)
		}
		e.c.add(at.line, "AnalysisType", "expected one of %s, got %s", strings.Join(names, ", "), describe(at))
		return e
	}
	e.typ = t
	if idn, ok := root.get(idKey[t]); ok {
		e.id = strVal(idn)
	}
	e.sch = schemaFor(t, root)
	if !e.sch.relaxable {
		e.c.ignoreExtra = false
	}
	return e
}

// setFields must hold no duplicates.
var setFields = []string{"LogTypes", "PackIDs", "OutputIds", "SummaryAttributes", "Suppressions", "Tags"}

func checkSets(e *entry) {
	for _, k := range setFields {
		n, ok := e.root.get(k)
		if !ok || n.kind != seqNode {
			continue
		}
		first := map[string]int{}
		lower := map[string]int{}
		for i, it := range n.items {
			if !isStr(it) {
				continue
			}
			s := strVal(it)
			if j, dup := first[s]; dup {
				e.c.add(it.line, joinIndex(k, i), "duplicate value %q (also at %s)", s, joinIndex(k, j))
				continue
			}
			first[s] = i
			if k != "Tags" {
				continue
			}
			ls := strings.ToLower(s)
			if j, dup := lower[ls]; dup {
				e.c.add(it.line, joinIndex(k, i), "LowerTags: %q duplicates %q (%s) when case is ignored", s, strVal(n.items[j]), joinIndex(k, j))
				continue
			}
			lower[ls] = i
		}
	}
}

// checkDedup adds PAT's DedupPeriodMinutes warnings.
func checkDedup(e *entry) {
	n, ok := e.root.get("DedupPeriodMinutes")
	if !ok {
		return
	}
	v, isInt := n.val.(int64)
	switch {
	case !isInt:
	case v == 0:
		e.c.warn(n.line, "DedupPeriodMinutes", "DedupPeriodMinutes is set to 0 for %s. This will be ignored by the backend. If you want to disable dedup, alter the `dedup` function to return 'p_row_id' instead.", e.id)
	case v < 5:
		e.c.warn(n.line, "DedupPeriodMinutes", "DedupPeriodMinutes for %s is less than 5. This is below Panther's DedupPeriodMinutes threshold, and will be treated as '5' upon upload.", e.id)
	}
}

// readPython reads the file named by Filename, which must exist next to
// the spec.
func (l *loader) readPython(e *entry) {
	switch e.typ {
	case TypeRule, TypeScheduledRule, TypePolicy, TypeGlobal, TypeDataModel, TypeLookupTable:
	default:
		return
	}
	fn, ok := e.root.get("Filename")
	if !ok || !isStr(fn) {
		return
	}
	name := strVal(fn)
	src := e.cand.src
	rel := path.Join(path.Dir(e.cand.rel), toSlash(name))
	var (
		data  []byte
		err   error
		where string
	)
	isPy := e.typ != TypeLookupTable
	switch {
	case fs.ValidPath(rel):
		where = rel
		if src.absDir != "" {
			where = filepath.Join(src.absDir, filepath.FromSlash(rel))
		}
		if isPy {
			data, err = readLimited(src.fsys, rel, maxPythonBytes)
		} else {
			_, err = fs.Stat(src.fsys, rel)
		}
	case src.absDir != "":
		where = filepath.Join(src.absDir, filepath.FromSlash(path.Dir(e.cand.rel)), filepath.FromSlash(name))
		if isPy {
			data, err = readLimitedOS(where, maxPythonBytes)
		} else {
			_, err = os.Stat(where)
		}
	default:
		err = fmt.Errorf("the path leaves the archive")
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			e.c.add(fn.line, "Filename", "file %q does not exist next to %s", name, e.cand.display)
		} else {
			e.c.add(fn.line, "Filename", "cannot read %q: %v", name, err)
		}
		return
	}
	if isPy {
		e.python, e.pyPath = string(data), where
	}
}

func readLimitedOS(name string, limit int64) ([]byte, error) {
	return readLimited(os.DirFS(filepath.Dir(name)), filepath.Base(name), limit)
}

// compileSimple compiles Detection, InlineFilters and the alert keys of
// rules, mapping compile errors to lines of the spec.
func compileSimple(e *entry) {
	if e.typ != TypeRule && e.typ != TypeScheduledRule {
		return
	}
	var opts []simpledetect.Option
	if n, ok := e.root.get("AlertTitle"); ok && isStr(n) {
		opts = append(opts, simpledetect.WithAlertTitle(n.value()))
	}
	if n, ok := e.root.get("DynamicSeverities"); ok {
		opts = append(opts, simpledetect.WithDynamicSeverities(n.value()))
	}
	if n, ok := e.root.get("AlertContext"); ok {
		opts = append(opts, simpledetect.WithAlertContext(n.value()))
	}
	if n, ok := e.root.get("GroupBy"); ok {
		opts = append(opts, simpledetect.WithGroupBy(n.value()))
	}
	var err error
	if n, ok := e.root.get("Detection"); ok && e.sch != derivedSchema {
		e.simple, err = simpledetect.Compile(n.value(), opts...)
		addCompileErrors(e, err)
	} else if len(opts) > 0 {
		e.simple, err = simpledetect.CompileAlertKeys(opts...)
		addCompileErrors(e, err)
	}
	if n, ok := e.root.get("InlineFilters"); ok {
		e.filters, err = simpledetect.CompileFilters(n.value())
		addCompileErrors(e, err)
	}
}

func addCompileErrors(e *entry, err error) {
	var list simpledetect.ErrorList
	if !errors.As(err, &list) {
		if err != nil {
			e.c.add(0, "", "%v", err)
		}
		return
	}
	for _, se := range list {
		e.c.add(lineAt(e.root, se.Path), simpledetect.PathString(se.Path), "%s", se.Msg)
	}
}

// lineAt finds the line of the deepest node of path that exists.
func lineAt(root *node, p []any) int {
	n, line := root, root.line
	for _, el := range p {
		switch x := el.(type) {
		case string:
			v, ok := n.get(x)
			if !ok {
				return line
			}
			n, line = v, v.line
		case int:
			if n.kind != seqNode || x < 0 || x >= len(n.items) {
				return line
			}
			n = n.items[x]
			line = n.line
		}
	}
	return line
}

// checkDataModelConflicts rejects a second enabled data model for a log
// type.
func checkDataModelConflicts(entries []*entry) {
	claimed := map[string]*entry{}
	for _, e := range entries {
		if e.typ != TypeDataModel || !e.valid() {
			continue
		}
		if en, _ := e.root.get("Enabled"); en == nil || en.val != true {
			continue
		}
		lts, _ := e.root.get("LogTypes")
		var mine []string
		for i, it := range lts.items {
			lt := strVal(it)
			if first, dup := claimed[lt]; dup && first != e {
				e.c.add(it.line, joinIndex("LogTypes", i), "Conflicting Enabled LogType [%s]: data model %s (%s) already handles it", lt, first.id, first.cand.display)
				continue
			}
			mine = append(mine, lt)
		}
		if e.valid() {
			for _, lt := range mine {
				claimed[lt] = e
			}
		}
	}
}

// checkPacks requires every pack ID to name a loaded item.
func checkPacks(entries []*entry) {
	known := map[string]bool{}
	for _, e := range entries {
		if e.id != "" {
			known[e.id] = true
		}
	}
	for _, e := range entries {
		if e.typ != TypePack || !e.valid() {
			continue
		}
		def, _ := e.root.get("PackDefinition")
		ids, _ := def.get("IDs")
		for i, it := range ids.items {
			if !known[strVal(it)] {
				e.c.add(it.line, joinIndex("PackDefinition.IDs", i), "%q is not the ID of any loaded analysis item", strVal(it))
			}
		}
	}
}

// collect sorts an entry into the valid items or the invalid specs.
func (l *loader) collect(e *entry) {
	for _, p := range e.c.probs {
		if p.Warning {
			l.coll.Warnings = append(l.coll.Warnings, p)
		}
	}
	if !e.valid() {
		inv := &InvalidSpec{File: e.cand.display, AbsFile: filepath.FromSlash(e.cand.abs), Type: e.typ, ID: e.id, Enabled: true}
		if e.root != nil {
			inv.Enabled = boolean(e.root, "Enabled", true)
			inv.Severity = str(e.root, "Severity")
		}
		for _, p := range e.c.probs {
			if !p.Warning {
				inv.Problems = append(inv.Problems, p)
			}
		}
		sort.SliceStable(inv.Problems, func(i, j int) bool { return inv.Problems[i].Line < inv.Problems[j].Line })
		l.coll.Invalid = append(l.coll.Invalid, inv)
		return
	}
	s := build(e)
	l.coll.Specs = append(l.coll.Specs, s)
	switch x := s.(type) {
	case *Detection:
		l.coll.Detections = append(l.coll.Detections, x)
	case *Global:
		l.coll.Globals = append(l.coll.Globals, x)
	case *DataModel:
		l.coll.DataModels = append(l.coll.DataModels, x)
	case *Pack:
		l.coll.Packs = append(l.coll.Packs, x)
	case *Query:
		l.coll.Queries = append(l.coll.Queries, x)
	case *LookupTable:
		l.coll.LookupTables = append(l.coll.LookupTables, x)
	case *ScheduledPrompt:
		l.coll.Prompts = append(l.coll.Prompts, x)
	}
}

func fromSlash(p string) string {
	if p == "" {
		return ""
	}
	return filepath.FromSlash(p)
}

// LoadBytes loads the analysis items of one spec given as bytes (a YAML document sent to the
// API, for instance); name is the file name problems are reported with. A Filename the spec
// names cannot be found: such specs are invalid.
func LoadBytes(name string, data []byte, opts Options) (*Collection, error) {
	return LoadFS(fstest.MapFS{name: &fstest.MapFile{Data: data}}, "", opts)
}
