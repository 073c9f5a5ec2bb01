//go:build js && wasm

package render

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"kinkscope/render/app"
)

// editData turns pointer input on the predictor plot into edits of the 1D data: a
// press on empty space adds a point, a press on a point and a drag moves it, a
// right click deletes it. Each finished edit sets the points setting, which restarts
// the run and reaches the URL.
func (g *Game) editData() {
	snap := g.session.Snapshot()
	if snap == nil || !g.predictor.Valid || len(snap.DataX) == 0 {
		g.drag.index = -1
		return
	}
	x, y, pressed, justPressed, justReleased, right := g.pointer()
	switch {
	case right:
		if i := nearestPoint(g.predictor, snap.DataX, snap.DataY, x, y); i >= 0 {
			g.apply(snap, app.Edit{Kind: app.EditDelete, Index: i})
		}
	case justPressed && g.predictor.Inside(x, y):
		if i := nearestPoint(g.predictor, snap.DataX, snap.DataY, x, y); i >= 0 {
			g.drag = drag{index: i, px: x, py: y}
		} else {
			dx, dy := g.predictor.ToData(x, y)
			g.apply(snap, app.Edit{Kind: app.EditAdd, X: dx, Y: dy})
		}
	case g.drag.index >= 0 && pressed:
		g.drag.px, g.drag.py = x, y
		g.shown.version = -1 // redraw the dragged point
	case g.drag.index >= 0 && justReleased:
		if g.predictor.Inside(x, y) {
			dx, dy := g.predictor.ToData(x, y)
			g.apply(snap, app.Edit{Kind: app.EditMove, Index: g.drag.index, X: dx, Y: dy})
		}
		g.drag.index = -1
		g.shown.version = -1
	}
}

// apply sets the edited points.
func (g *Game) apply(snap *app.Snapshot, e app.Edit) {
	if pts, ok := app.ApplyEdit(snap.DataX, snap.DataY, e); ok {
		g.session.Set([][2]string{{"points", pts}})
	}
}

// pointer reads the mouse or the first touch, in CSS pixels.
func (g *Game) pointer() (x, y float64, pressed, justPressed, justReleased, right bool) {
	s := g.canvas.scale
	if s <= 0 {
		s = 1
	}
	g.touches = ebiten.AppendTouchIDs(g.touches[:0])
	if len(g.touches) > 0 || len(g.released) > 0 {
		g.justTouched = inpututil.AppendJustPressedTouchIDs(g.justTouched[:0])
		if len(g.touches) > 0 {
			id := g.touches[0]
			tx, ty := ebiten.TouchPosition(id)
			g.lastTouch = [2]float64{float64(tx) / s, float64(ty) / s}
		}
	}
	g.released = inpututil.AppendJustReleasedTouchIDs(g.released[:0])
	if len(g.touches) > 0 || len(g.released) > 0 {
		return g.lastTouch[0], g.lastTouch[1], len(g.touches) > 0, len(g.justTouched) > 0, len(g.released) > 0 && len(g.touches) == 0, false
	}
	cx, cy := ebiten.CursorPosition()
	return float64(cx) / s, float64(cy) / s,
		ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft),
		inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft),
		inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft),
		inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonRight)
}
