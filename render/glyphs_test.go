package render

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// TestLabelsHaveGlyphs checks every string literal of the package's drawing code
// (the js/wasm files; captions and messages go to the page as text) against the font
// the panels use: a character the font lacks is drawn as an empty box (‖, ⊙ and
// subscript digits were, once).
func TestLabelsHaveGlyphs(t *testing.T) {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if filepath.Ext(name) != ".go" || len(name) > 8 && name[len(name)-8:] == "_test.go" {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if len(file.Comments) == 0 || file.Comments[0].Text() != "" && !strings.HasPrefix(file.Comments[0].List[0].Text, "//go:build js && wasm") {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, r := range s {
				if r < ' ' {
					continue
				}
				checked++
				if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
					t.Errorf("%s: %q in %q has no glyph in Go Regular", fset.Position(lit.Pos()), r, s)
				}
			}
			return true
		})
	}
	if checked < 200 {
		t.Errorf("checked only %d characters; are the drawing files found?", checked)
	}
}
