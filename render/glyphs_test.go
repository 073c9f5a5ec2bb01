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

	"kinkscope/sim"
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

// TestDeclaredLabelsHaveGlyphs checks what the models and the metric declarations
// give the page to draw (sim.MetricList's titles and labels, every scenario's panels)
// against the panels' font, and that the small panels' labels fit.
func TestDeclaredLabelsHaveGlyphs(t *testing.T) {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	check := func(where, s string) {
		for _, r := range s {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Errorf("%s: %q in %q has no glyph in Go Regular", where, r, s)
			}
		}
	}
	for _, d := range sim.MetricList {
		check("metric "+d.Key, d.Title+d.Label+d.Unit)
	}
	for _, sc := range sim.Scenarios {
		c, _ := sim.Scenario(sc.Name)
		mustSetting := func(k, v string) {
			if err := c.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
		mustSetting("iters", "1")
		for _, dim := range []string{c.Get("dim"), "3"} {
			if c.Get("points") != "" || c.Model != sim.ModelMLP && dim == "3" {
				continue
			}
			mustSetting("dim", dim)
			r, err := sim.NewRun(c)
			if err != nil {
				t.Fatalf("%s: %v", sc.Name, err)
			}
			v := r.Views()
			for _, p := range append([]sim.Panel{v.Main, v.Side}, v.Curves[:]...) {
				check(sc.Name+" panel", p.Title+p.YLabel+p.Unit)
			}
			// The small panels' axis labels run along a side of about 180 px.
			for _, p := range v.Curves {
				if n := len([]rune(p.YLabel)); n > 32 {
					t.Errorf("%s: y label %q of a small panel has %d characters, want at most 32", sc.Name, p.YLabel, n)
				}
			}
		}
	}
}
