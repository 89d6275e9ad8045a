package analysis

import (
	"io/fs"
	"path"
	"strings"
)

// PAT's directory patterns for `--path .`: only directories whose walked
// path matches one of them have their files loaded (subdirectories are
// still visited).
var patDirPatterns = []string{
	"*data_models*", "*/global_helpers", "*lookup_tables*", "*rules*",
	"*/packs", "*policies*", "*queries*", "*scheduled_prompts*",
}

// Patterns of the directories whose items PAT's --filter always keeps.
const (
	helpersDirPattern   = "*/global_helpers"
	dataModelDirPattern = "*data_models*"
)

// ignoredNames are never loaded.
var ignoredNames = map[string]bool{"dependabot.yml": true, "package.json": true, "package-lock.json": true}

// fnmatch matches Python's fnmatch: * matches any run of characters
// (including /) and ? one character; other characters match themselves.
func fnmatch(name, pattern string) bool {
	if pattern == "" {
		return name == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(name); i++ {
			if fnmatch(name[i:], pattern[1:]) {
				return true
			}
		}
		return false
	case '?':
		return name != "" && fnmatch(name[1:], pattern[1:])
	}
	return name != "" && name[0] == pattern[0] && fnmatch(name[1:], pattern[1:])
}

// source is one tree to walk: the loaded directory or zip, or one of PAT's
// extra search directories.
type source struct {
	fsys fs.FS
	// absDir is the absolute directory, "" inside a zip.
	absDir string
	// walkTop is the top as PAT's os.walk would name it.
	walkTop string
	// patFilter applies PAT's directory patterns (for --path .).
	patFilter bool
	// display turns a path inside fsys into the path shown to users.
	display func(rel string) string
}

// candidate is a file that may be a spec.
type candidate struct {
	src     *source
	rel     string
	display string
	walkDir string
	abs     string
}

// walkJoin joins like Python's os.path.join.
func walkJoin(dir, name string) string {
	if dir == "" || strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// walk lists the candidate files of a source: files of a directory (sorted)
// before its subdirectories (sorted too, unlike PAT, whose order follows
// the file system).
func (l *loader) walk(src *source, relDir, walkDir string, top bool) error {
	dirName := relDir
	if dirName == "" {
		dirName = "."
	}
	entries, err := fs.ReadDir(src.fsys, dirName)
	if err != nil {
		if top {
			return err
		}
		l.coll.Warnings = append(l.coll.Warnings, Problem{File: src.display(relDir), Msg: "cannot read directory: " + err.Error(), Warning: true})
		return nil
	}
	process := true
	if src.patFilter && !top {
		process = false
		for _, p := range patDirPatterns {
			if fnmatch(walkDir, p) {
				process = true
				break
			}
		}
	}
	var dirs []string
	for _, e := range entries {
		name := e.Name()
		rel := path.Join(relDir, name)
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			// Like os.walk, do not descend into linked directories, but
			// load linked files.
			info, err := fs.Stat(src.fsys, rel)
			if err != nil || info.IsDir() {
				continue
			}
			isDir = false
		}
		if isDir {
			if !strings.HasPrefix(name, ".") && name != "__pycache__" {
				dirs = append(dirs, name)
			}
			continue
		}
		if !process || strings.HasPrefix(name, ".") || ignoredNames[name] || !l.wantFile(name) {
			continue
		}
		wpath := walkJoin(walkDir, name)
		if l.ignored[path.Clean(wpath)] {
			continue
		}
		abs := ""
		if src.absDir != "" {
			abs = path.Join(toSlash(src.absDir), rel)
		}
		key := abs
		if key == "" {
			key = "zip:" + rel
		}
		if l.seen[key] {
			continue
		}
		l.seen[key] = true
		l.cands = append(l.cands, candidate{src: src, rel: rel, display: src.display(rel), walkDir: walkDir, abs: abs})
	}
	for _, d := range dirs {
		if err := l.walk(src, path.Join(relDir, d), walkJoin(walkDir, d), false); err != nil {
			return err
		}
	}
	return nil
}

// wantFile picks spec files by name: *.y*ml like PAT, plus .json outside
// PAT mode.
func (l *loader) wantFile(name string) bool {
	if l.opts.WalkLikePAT {
		return fnmatch(name, "*.y*ml")
	}
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yml" || ext == ".yaml" || ext == ".json"
}
