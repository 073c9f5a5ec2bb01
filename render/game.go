//go:build js && wasm

package render

import (
	"bytes"
	"image"
	"image/png"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// Game is the Ebiten game of one simulator: Update drives the Session, Draw paints
// its latest Snapshot.
type Game struct {
	session *Session
	canvas  canvas
	w, h    float64 // CSS pixels
	drawn   int     // frames drawn
	shown   struct {
		version int
		w, h    float64
	} // what the screen shows now
	pngWanted []func([]byte, error) // callbacks waiting for a PNG of the next frame
}

// RequestPNG asks for a PNG of the view; done is called from the next Draw.
func (g *Game) RequestPNG(done func([]byte, error)) {
	g.pngWanted = append(g.pngWanted, done)
}

// NewGame returns the game for a session.
func NewGame(s *Session) *Game { return &Game{session: s} }

// Update advances the session by one frame.
func (g *Game) Update() error {
	g.session.Update(time.Now)
	return nil
}

// Draw paints the latest snapshot. It never touches the simulation. When nothing
// changed since the last frame it leaves the screen as it is (the screen is not
// cleared between frames), so a paused simulator costs almost nothing.
func (g *Game) Draw(screen *ebiten.Image) {
	snap := g.session.Snapshot()
	if g.shown.version == snap.Version && g.shown.w == g.w && g.shown.h == g.h && len(g.pngWanted) == 0 {
		return
	}
	g.shown.version, g.shown.w, g.shown.h = snap.Version, g.w, g.h
	g.canvas.dst = screen
	screen.Fill(colPage)
	drawPanels(&g.canvas, snap, Layout(g.w, g.h))
	drawHeader(&g.canvas, snap, g.w)
	g.drawn++
	if len(g.pngWanted) > 0 {
		data, err := encodePNG(screen)
		for _, done := range g.pngWanted {
			done(data, err)
		}
		g.pngWanted = nil
	}
}

// encodePNG reads the screen back and encodes it.
func encodePNG(screen *ebiten.Image) ([]byte, error) {
	b := screen.Bounds()
	img := image.NewRGBA(b)
	screen.ReadPixels(img.Pix)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Drawn returns how many frames have been drawn.
func (g *Game) Drawn() int { return g.drawn }

// LayoutF renders at the device's pixel density so that lines stay sharp on HiDPI
// screens; drawing works in CSS pixels scaled by the factor.
func (g *Game) LayoutF(w, h float64) (float64, float64) {
	s := ebiten.Monitor().DeviceScaleFactor()
	if s <= 0 {
		s = 1
	}
	g.w, g.h, g.canvas.scale = w, h, s
	return w * s, h * s
}

// Layout is required by ebiten.Game; LayoutF takes precedence.
func (g *Game) Layout(w, h int) (int, int) {
	fw, fh := g.LayoutF(float64(w), float64(h))
	return int(fw), int(fh)
}
