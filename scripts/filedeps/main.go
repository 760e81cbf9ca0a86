// Command filedeps measures how the files of one Go package use each
// other: a maintainer's view of a package's structure.
//
//	go run ./scripts/filedeps [-tests] [-v] DIR
//
// File A uses file B when A names a package-level function, type, variable
// or constant declared in B, or a method or field of a type of the package
// declared in B. Files that use each other
// in a cycle are one group. Levels count the longest chain of uses: a file
// that uses no other is at level 1, a file that uses level-1 files only at
// level 2, and so on, each group counting as one step. An upward use is a
// use inside a group: a file using one at its own level or above, which a
// layered package would not have.
//
// Names are resolved by type-checking the package (its dependencies are
// read from the export data the go command builds), so a local variable,
// a field or a method of another type with the same name is not a use.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	tests := flag.Bool("tests", false, "include _test.go files of the package (not of its _test package)")
	verbose := flag.Bool("v", false, "list every file with its level and uses")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: filedeps [-tests] [-v] DIR")
		os.Exit(2)
	}
	r, err := measure(flag.Arg(0), *tests)
	if err != nil {
		fmt.Fprintln(os.Stderr, "filedeps:", err)
		os.Exit(1)
	}
	fmt.Printf("package %s (%s): %d files, %d uses between files, %d levels, %d upward uses, %d files in cycles\n",
		r.pkg, flag.Arg(0), r.files, r.edges, r.levels, r.upward, r.cyclic)
	if *verbose {
		fmt.Print(r.listing)
	}
}

// result is what measure found.
type result struct {
	pkg                                  string
	files, edges, levels, upward, cyclic int
	listing                              string // a line a file, highest level first
}

// measure reads the package in dir.
func measure(dir string, tests bool) (result, error) {
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return result{}, err
	}
	files := map[string]*ast.File{}
	pkg := ""
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") && !tests {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return result{}, err
		}
		if strings.HasSuffix(f.Name.Name, "_test") {
			continue
		}
		pkg = f.Name.Name
		files[filepath.Base(p)] = f
	}
	if len(files) == 0 {
		return result{}, fmt.Errorf("no Go files in %s", dir)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	imp, err := exportImporter(fset, dir)
	if err != nil {
		return result{}, err
	}
	list := make([]*ast.File, 0, len(files))
	for _, f := range files {
		list = append(list, f)
	}
	conf := types.Config{Importer: imp, Error: func(error) {}}
	tpkg, err := conf.Check(pkg, fset, list, info)
	if err != nil {
		return result{}, fmt.Errorf("type-checking %s: %w", dir, err)
	}
	// File A uses file B where an identifier in A refers to an object of
	// this package declared at package level (or a method or field of one
	// of its types) in B.
	uses := map[string]map[string]bool{}
	for name := range files {
		uses[name] = map[string]bool{}
	}
	for id, obj := range info.Uses {
		if obj == nil || obj.Pkg() != tpkg || !obj.Pos().IsValid() {
			continue
		}
		if obj.Parent() != tpkg.Scope() && !isMember(obj) {
			continue // a local
		}
		from := filepath.Base(fset.Position(id.Pos()).Filename)
		to := filepath.Base(fset.Position(obj.Pos()).Filename)
		if from != to {
			uses[from][to] = true
		}
	}
	groups, groupOf := components(files, uses)
	level := make([]int, len(groups))
	// Tarjan returns groups in reverse topological order: uses come first.
	for g, members := range groups {
		level[g] = 1
		for _, m := range members {
			for u := range uses[m] {
				if h := groupOf[u]; h != g && level[h]+1 > level[g] {
					level[g] = level[h] + 1
				}
			}
		}
	}
	r := result{pkg: pkg, files: len(files)}
	for g, members := range groups {
		r.levels = max(r.levels, level[g])
		if len(members) > 1 {
			r.cyclic += len(members)
		}
		for _, m := range members {
			for u := range uses[m] {
				r.edges++
				if groupOf[u] == g {
					r.upward++
				}
			}
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		li, lj := level[groupOf[names[i]]], level[groupOf[names[j]]]
		if li != lj {
			return li > lj
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	for _, n := range names {
		us := make([]string, 0, len(uses[n]))
		for u := range uses[n] {
			mark := ""
			if groupOf[u] == groupOf[n] {
				mark = "↑"
			}
			us = append(us, mark+u)
		}
		sort.Strings(us)
		fmt.Fprintf(&b, "%3d %-28s %s\n", level[groupOf[n]], n, strings.Join(us, " "))
	}
	r.listing = b.String()
	return r, nil
}

// isMember reports whether obj is a method or a struct field.
func isMember(obj types.Object) bool {
	switch o := obj.(type) {
	case *types.Func:
		return o.Type().(*types.Signature).Recv() != nil
	case *types.Var:
		return o.IsField()
	}
	return false
}

// exportImporter imports the dependencies of the package in dir from the
// export data the go command builds for them.
func exportImporter(fset *token.FileSet, dir string) (types.Importer, error) {
	cmd := exec.Command("go", "list", "-deps", "-export", "-f", "{{.ImportPath}}={{.Export}}", ".")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	exports := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if path, file, ok := strings.Cut(line, "="); ok && file != "" {
			exports[path] = file
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}), nil
}

// components finds the strongly connected components of the use graph
// (Tarjan), in reverse topological order.
func components(files map[string]*ast.File, uses map[string]map[string]bool) ([][]string, map[string]int) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	index, low, onStack := map[string]int{}, map[string]int{}, map[string]bool{}
	var stack []string
	var groups [][]string
	groupOf := map[string]int{}
	next := 0
	var visit func(v string)
	visit = func(v string) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		deps := make([]string, 0, len(uses[v]))
		for u := range uses[v] {
			deps = append(deps, u)
		}
		sort.Strings(deps)
		for _, u := range deps {
			if _, seen := index[u]; !seen {
				visit(u)
				low[v] = min(low[v], low[u])
			} else if onStack[u] {
				low[v] = min(low[v], index[u])
			}
		}
		if low[v] == index[v] {
			var g []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				groupOf[w] = len(groups)
				g = append(g, w)
				if w == v {
					break
				}
			}
			groups = append(groups, g)
		}
	}
	for _, n := range names {
		if _, seen := index[n]; !seen {
			visit(n)
		}
	}
	return groups, groupOf
}
