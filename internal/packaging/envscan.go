package packaging

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// envName matches the names of environment variables the functions read.
var envName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// EnvVarsRead returns the names of the environment variables that the
// non-test Go files in dir read, sorted. A name counts when it is a string
// literal argument of a call to getenv, os.Getenv or os.LookupEnv, or of a
// call that also receives getenv as an argument, such as
// setup.Duration(getenv, "TOKEN_EXPIRY_WINDOW", ...). The functions pass
// their configuration reader around as getenv, so these two forms cover how
// they read settings.
func EnvVarsRead(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("packaging: scan %s: %w", dir, err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("packaging: parse %s: %w", filepath.Join(dir, name), err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !readsEnv(call) {
				return true
			}
			for _, arg := range call.Args {
				lit, ok := arg.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && envName.MatchString(s) {
					seen[s] = true
				}
			}
			return true
		})
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// readsEnv reports whether call reads an environment variable: it calls
// getenv, os.Getenv or os.LookupEnv, or passes getenv on.
func readsEnv(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if fn.Name == "getenv" {
			return true
		}
	case *ast.SelectorExpr:
		if pkg, ok := fn.X.(*ast.Ident); ok && pkg.Name == "os" &&
			(fn.Sel.Name == "Getenv" || fn.Sel.Name == "LookupEnv") {
			return true
		}
	}
	for _, arg := range call.Args {
		if id, ok := arg.(*ast.Ident); ok && id.Name == "getenv" {
			return true
		}
	}
	return false
}
