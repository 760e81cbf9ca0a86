// Package readmetest checks that the Go snippets of a README compile as
// pasted and handle every error they are given. It is used by one test in
// each module of this repository: the root module, redisstore, durable and
// webhookotel each build the snippets that import them (the root module
// cannot import the others).
//
// A snippet is a ```go fenced block. It may start with import declarations;
// the rest is either top-level declarations or statements, which are put
// into a function of their own. Packages the snippet uses but does not
// import (webhook, http, log, ...) are imported for it, as goimports would,
// and the names the prose assumes (ctx, secret, payment, ...) come from a
// prelude that each module's test supplies.
//
// A snippet fails when it does not compile or `go vet` reports it, when it
// drops an error (a call whose error result is ignored, or an error assigned
// to _; a deferred call may drop its error, as in defer f.Close()), or when
// it names a webhook.Mux or an http.ServeMux "mux", which a reader cannot
// tell apart.
package readmetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Modules of this repository that hold README snippets, as the import path
// below the root module ("" is the root module itself).
const (
	RootModule    = ""
	RedisModule   = "redisstore"
	DurableModule = "durable"
	OtelModule    = "webhookotel"
	// DurableOtelModule requires both durable and webhookotel: a snippet
	// that uses durableotel may use either too.
	DurableOtelModule = "webhookotel/durableotel"
)

// packages maps the package names a snippet may use without importing them
// to their import paths.
var packages = map[string]string{
	"context":          "context",
	"errors":           "errors",
	"fmt":              "fmt",
	"http":             "net/http",
	"io":               "io",
	"json":             "encoding/json",
	"log":              "log",
	"os":               "os",
	"signal":           "os/signal",
	"slog":             "log/slog",
	"sql":              "database/sql",
	"strings":          "strings",
	"time":             "time",
	"webhook":          "github.com/signedhooks/webhook",
	"githubsig":        "github.com/signedhooks/webhook/githubsig",
	"idempotencytest":  "github.com/signedhooks/webhook/idempotencytest",
	"standardwebhooks": "github.com/signedhooks/webhook/standardwebhooks",
	"stripesig":        "github.com/signedhooks/webhook/stripesig",
	"webhooktest":      "github.com/signedhooks/webhook/webhooktest",
	"redisstore":       "github.com/signedhooks/webhook/redisstore",
	"redis":            "github.com/redis/go-redis/v9",
	"durable":          "github.com/signedhooks/webhook/durable",
	"endpoints":        "github.com/signedhooks/webhook/durable/endpoints",
	"pgxpool":          "github.com/jackc/pgx/v5/pgxpool",
	"webhookotel":      "github.com/signedhooks/webhook/webhookotel",
	"durableotel":      "github.com/signedhooks/webhook/webhookotel/durableotel",
}

// moduleOf names the module whose packages a snippet needs, from the
// packages it uses.
var moduleOf = map[string]string{
	"redisstore":  RedisModule,
	"redis":       RedisModule,
	"durable":     DurableModule,
	"endpoints":   DurableModule,
	"pgxpool":     DurableModule,
	"webhookotel": OtelModule,
	"durableotel": DurableOtelModule,
}

// Snippet is one ```go block of a README.
type Snippet struct {
	Line   int    // README line of the snippet's first line of code
	Code   string // the block's text, without the fences
	Module string // which module builds it: RootModule, RedisModule, DurableModule or OtelModule
}

// Extract returns the ```go blocks of readme, each with the module that
// builds it. It fails on a block that needs two of the sub-modules, or one
// that is not closed.
func Extract(readme []byte) ([]Snippet, error) {
	var (
		snippets []Snippet
		cur      *Snippet
		code     strings.Builder
		n        int
	)
	sc := bufio.NewScanner(bytes.NewReader(readme))
	for sc.Scan() {
		n++
		line := sc.Text()
		fence := strings.TrimSpace(line)
		switch {
		case cur == nil && fence == "```go":
			cur = &Snippet{Line: n + 1}
			code.Reset()
		case cur != nil && fence == "```":
			cur.Code = code.String()
			snippets = append(snippets, *cur)
			cur = nil
		case cur != nil:
			code.WriteString(line)
			code.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("README line %d: ```go block not closed", cur.Line-1)
	}
	for i := range snippets {
		s := &snippets[i]
		mod, err := snippetModule(s)
		if err != nil {
			return nil, err
		}
		s.Module = mod
	}
	return snippets, nil
}

// snippetModule returns the module that has every package s uses.
func snippetModule(s *Snippet) (string, error) {
	src, err := split(s.Code)
	if err != nil {
		return "", fmt.Errorf("README line %d: %w", s.Line, err)
	}
	names, err := usedPackages(src.imports + src.body)
	if err != nil {
		return "", fmt.Errorf("README line %d: %w", s.Line, err)
	}
	mod := RootModule
	for _, name := range names {
		m, ok := moduleOf[name]
		if !ok {
			continue
		}
		switch {
		case m == DurableOtelModule && (mod == DurableModule || mod == OtelModule):
		case mod == DurableOtelModule && (m == DurableModule || m == OtelModule):
			continue
		case mod != RootModule && m != mod:
			return "", fmt.Errorf("README line %d: the snippet needs both %s and %s, which no module has together", s.Line, mod, m)
		}
		mod = m
	}
	return mod, nil
}

// source is a snippet split into its import declarations and the rest.
type source struct {
	imports   string
	body      string
	bodyLine  int  // line of body within the snippet, from 0
	toplevel  bool // body is declarations, not statements
	importPkg map[string]bool
}

// split separates the leading import declarations of code from the rest and
// tells whether the rest is declarations or statements.
func split(code string) (source, error) {
	lines := strings.SplitAfter(code, "\n")
	i := 0
	for i < len(lines) {
		t := strings.TrimSpace(lines[i])
		switch {
		case t == "" || strings.HasPrefix(t, "//"):
			i++
			continue
		case strings.HasPrefix(t, "import (") && !strings.HasSuffix(t, ")"):
			for i < len(lines) && strings.TrimSpace(lines[i]) != ")" {
				i++
			}
			i++
			continue
		case strings.HasPrefix(t, "import "):
			i++
			continue
		}
		break
	}
	if i > len(lines) {
		return source{}, errors.New("import ( block not closed")
	}
	s := source{
		imports:  strings.Join(lines[:i], ""),
		body:     strings.Join(lines[i:], ""),
		bodyLine: i,
	}
	// Declarations parse as a file; statements do not.
	if _, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+s.imports+s.body, parser.SkipObjectResolution); err == nil {
		s.toplevel = true
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", "package p\n"+s.imports, parser.ImportsOnly)
	if err != nil {
		return source{}, err
	}
	s.importPkg = map[string]bool{}
	for _, spec := range f.Imports {
		s.importPkg[importName(spec)] = true
	}
	return s, nil
}

// importName is the name an import spec binds.
func importName(spec *ast.ImportSpec) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	path, _ := strconv.Unquote(spec.Path.Value)
	for name, p := range packages {
		if p == path {
			return name
		}
	}
	return filepath.Base(path)
}

// usedPackages returns the names of packages that code (imports, then
// declarations or statements) uses without declaring them.
func usedPackages(code string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", wrap(code), 0)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, id := range f.Unresolved {
		if _, ok := packages[id.Name]; ok && !seen[id.Name] {
			seen[id.Name] = true
			names = append(names, id.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// wrap makes a file of code for parsing, putting statements into a
// function.
func wrap(code string) string {
	s, err := split(code)
	if err != nil || s.toplevel {
		return "package p\n" + code
	}
	return "package p\n" + s.imports + "func _() {\n" + s.body + "\n}\n"
}

// ErrModuleNotWritable is returned by [Check] for a module it cannot create
// the package directory in, such as a copy in the module cache (go test
// all): the snippets are checked in the repository.
var ErrModuleNotWritable = errors.New("readmetest: module directory not writable")

// Options says which snippets to build, and where.
type Options struct {
	// README is the path of the README.
	README string
	// ModuleDir is the directory of the module's go.mod.
	ModuleDir string
	// Module selects the snippets to build: RootModule, RedisModule,
	// DurableModule or OtelModule.
	Module string
	// Prelude holds Go declarations of the names the snippets assume; the
	// packages it uses are imported for it.
	Prelude string
}

// Check builds the snippets of the README that belong to opts.Module, in a
// package of that module that exists only for the build, and returns every
// problem found, positioned at README lines. It returns the number of
// snippets it built.
//
// The package's files are handed to the go command with -overlay; only an
// empty directory (named _readmesnippets-*, which go patterns such as ./...
// ignore) is created in the module, and removed before Check returns.
func Check(opts Options) (int, error) {
	readme, err := os.ReadFile(opts.README)
	if err != nil {
		return 0, err
	}
	readmePath, err := filepath.Abs(opts.README)
	if err != nil {
		return 0, err
	}
	all, err := Extract(readme)
	if err != nil {
		return 0, err
	}
	var snippets []Snippet
	for _, s := range all {
		if s.Module == opts.Module {
			snippets = append(snippets, s)
		}
	}
	if len(snippets) == 0 {
		return 0, nil
	}

	modDir, err := filepath.Abs(opts.ModuleDir)
	if err != nil {
		return 0, err
	}
	pkgDir, err := os.MkdirTemp(modDir, "_readmesnippets-")
	if errors.Is(err, fs.ErrPermission) {
		return 0, fmt.Errorf("%w: %v", ErrModuleNotWritable, err)
	}
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(pkgDir)
	srcDir, err := os.MkdirTemp("", "readmesnippets-src-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(srcDir)

	files := map[string]string{} // name in pkgDir -> content
	prelude, err := preludeFile(opts.Prelude)
	if err != nil {
		return 0, fmt.Errorf("prelude: %w", err)
	}
	files["prelude.go"] = prelude
	for _, s := range snippets {
		src, err := snippetFile(readmePath, s)
		if err != nil {
			return 0, fmt.Errorf("%s:%d: %w", readmePath, s.Line, err)
		}
		files[fmt.Sprintf("snippet_%04d.go", s.Line)] = src
	}
	overlay := struct{ Replace map[string]string }{Replace: map[string]string{}}
	for name, content := range files {
		real := filepath.Join(srcDir, name)
		if err := os.WriteFile(real, []byte(content), 0o644); err != nil {
			return 0, err
		}
		overlay.Replace[filepath.Join(pkgDir, name)] = real
	}
	overlayJSON, err := json.Marshal(overlay)
	if err != nil {
		return 0, err
	}
	overlayPath := filepath.Join(srcDir, "overlay.json")
	if err := os.WriteFile(overlayPath, overlayJSON, 0o644); err != nil {
		return 0, err
	}

	// The build (in go list -export) reports every compile error; vet
	// stops at the first, and runs only on code that compiles.
	pkg := "./" + filepath.Base(pkgDir)
	problems, err := lint(modDir, overlayPath, pkg, files)
	if err != nil {
		return len(snippets), err
	}
	if out, err := goCommand(modDir, "vet", "-overlay", overlayPath, pkg); err != nil {
		problems = append(problems, fmt.Sprintf("go vet: %v\n%s", err, out))
	}
	if len(problems) > 0 {
		return len(snippets), errors.New(strings.Join(problems, "\n"))
	}
	return len(snippets), nil
}

// preludeFile makes the prelude's file.
func preludeFile(prelude string) (string, error) {
	names, err := usedPackages(prelude)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("package readmesnippets\n\n")
	writeImports(&b, names, nil)
	b.WriteString(prelude)
	return b.String(), nil
}

// snippetFile makes the file of snippet s, with //line directives that give
// its code the README's file name and lines.
func snippetFile(readmePath string, s Snippet) (string, error) {
	src, err := split(s.Code)
	if err != nil {
		return "", err
	}
	names, err := usedPackages(s.Code)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("package readmesnippets\n\n")
	writeImports(&b, names, src.importPkg)
	fmt.Fprintf(&b, "//line %s:%d\n", readmePath, s.Line)
	b.WriteString(src.imports)
	if !src.toplevel {
		fmt.Fprintf(&b, "\nfunc readmeLine%d() {\n", s.Line)
	}
	fmt.Fprintf(&b, "//line %s:%d\n", readmePath, s.Line+src.bodyLine)
	b.WriteString(src.body)
	if !src.toplevel {
		b.WriteString("\n}\n")
	}
	return b.String(), nil
}

// writeImports writes an import declaration of the packages named, except
// those in skip.
func writeImports(b *strings.Builder, names []string, skip map[string]bool) {
	var paths []string
	for _, name := range names {
		if !skip[name] {
			paths = append(paths, packages[name])
		}
	}
	if len(paths) == 0 {
		return
	}
	b.WriteString("import (\n")
	for _, p := range paths {
		fmt.Fprintf(b, "\t%q\n", p)
	}
	b.WriteString(")\n\n")
}

// goCommand runs the go command in dir and returns its combined output.
func goCommand(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.Bytes(), err
}

// lint type-checks the snippet package against its dependencies' export
// data and returns the problems of the snippet files: dropped errors and
// muxes named mux.
func lint(modDir, overlayPath, pkg string, files map[string]string) ([]string, error) {
	out, err := goCommandStdout(modDir, "list", "-overlay", overlayPath, "-export", "-deps", "-json=ImportPath,Export", pkg)
	if err != nil {
		return nil, fmt.Errorf("building the README snippets: %v\n%s", err, out)
	}
	exports := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		exports[p.ImportPath] = p.Export
	}

	fset := token.NewFileSet()
	var parsed []*ast.File
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, files[name], parser.ParseComments)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, f)
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
	}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check("readmesnippets", fset, parsed, info); err != nil {
		return nil, fmt.Errorf("type-checking the README snippets: %w", err)
	}

	var problems []string
	report := func(pos token.Pos, format string, args ...any) {
		problems = append(problems, fset.Position(pos).String()+": "+fmt.Sprintf(format, args...))
	}
	for i, f := range parsed {
		if names[i] == "prelude.go" {
			continue
		}
		lintFile(f, info, report)
	}
	return problems, nil
}

// goCommandStdout runs the go command in dir and returns its standard
// output, or its standard error with the error.
func goCommandStdout(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return stderr.Bytes(), err
	}
	return out, nil
}

var errorType = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)

// isError tells whether t is an error.
func isError(t types.Type) bool { return t != nil && types.Implements(t, errorType) }

// printers may drop their errors: their output is the point, and every Go
// program ignores them.
var printers = map[string]bool{
	"fmt.Print": true, "fmt.Printf": true, "fmt.Println": true,
	"fmt.Fprint": true, "fmt.Fprintf": true, "fmt.Fprintln": true,
}

// lintFile reports the dropped errors and muxes named mux of one snippet.
func lintFile(f *ast.File, info *types.Info, report func(token.Pos, string, ...any)) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.DeferStmt:
			// defer f.Close(): the error of a deferred cleanup has nowhere
			// to go, and every reader knows the idiom.
			return false
		case *ast.ExprStmt:
			if call, ok := ast.Unparen(n.X).(*ast.CallExpr); ok && !printers[callName(call)] && returnsError(info, call) {
				report(call.Pos(), "the error of %s is dropped", callName(call))
			}
		case *ast.GoStmt:
			if returnsError(info, n.Call) {
				report(n.Call.Pos(), "the error of %s is dropped", callName(n.Call))
			}
		case *ast.AssignStmt:
			checkBlank(info, n.Lhs, n.Rhs, report)
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
			}
			checkBlank(info, lhs, n.Values, report)
		case *ast.Ident:
			if obj := info.Defs[n]; obj != nil && n.Name == "mux" {
				if t := obj.Type().String(); t == "*github.com/signedhooks/webhook.Mux" || t == "*net/http.ServeMux" {
					report(n.Pos(), "a %s named mux: name a webhook.Mux and an http.ServeMux so that a reader cannot confuse them (events, routes)", t)
				}
			}
		}
		return true
	})
}

// checkBlank reports errors assigned to _.
func checkBlank(info *types.Info, lhs, rhs []ast.Expr, report func(token.Pos, string, ...any)) {
	var results []types.Type
	if len(rhs) == 1 && len(lhs) > 1 {
		if tuple, ok := info.Types[rhs[0]].Type.(*types.Tuple); ok {
			for i := 0; i < tuple.Len(); i++ {
				results = append(results, tuple.At(i).Type())
			}
		}
	} else {
		for _, e := range rhs {
			results = append(results, info.Types[e].Type)
		}
	}
	for i, l := range lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name == "_" && i < len(results) && isError(results[i]) {
			report(id.Pos(), "an error is assigned to _")
		}
	}
}

// returnsError tells whether call has an error among its results.
func returnsError(info *types.Info, call *ast.CallExpr) bool {
	switch t := info.Types[call].Type.(type) {
	case *types.Tuple:
		for i := 0; i < t.Len(); i++ {
			if isError(t.At(i).Type()) {
				return true
			}
		}
		return false
	default:
		return isError(t)
	}
}

// callName is the called function as written, for messages: "outbox.Start".
func callName(call *ast.CallExpr) string {
	var b bytes.Buffer
	writeExpr(&b, call.Fun)
	return b.String()
}

func writeExpr(b *bytes.Buffer, e ast.Expr) {
	switch e := e.(type) {
	case *ast.Ident:
		b.WriteString(e.Name)
	case *ast.SelectorExpr:
		writeExpr(b, e.X)
		b.WriteByte('.')
		b.WriteString(e.Sel.Name)
	case *ast.IndexExpr:
		writeExpr(b, e.X)
	case *ast.CallExpr:
		writeExpr(b, e.Fun)
		b.WriteString("(…)")
	default:
		b.WriteString("(…)")
	}
}
