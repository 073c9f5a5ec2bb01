//go:build js && wasm

package render

import (
	"bytes"
	"image"
	"image/png"
	"slices"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"kinkscope/render/app"
)

// Source is what a Game draws and edits: an app.Session in the page, or the page's
// side of a session whose runs live in Web Workers (wasm/engine.Client).
type Source interface {
	// Update is called once per frame, before Draw.
	Update(now func() time.Time)
	// Snapshot is what to draw, nil while there is nothing yet.
	Snapshot() *app.Snapshot
	// Set applies settings (the edited data points).
	Set(kv [][2]string) []error
}

// Game is the Ebiten game of one simulator: Update drives its Source, Draw paints
// the latest app.Snapshot.
type Game struct {
	session Source
	canvas  canvas
	w, h    float64 // CSS pixels
	shown   struct {
		version int
		w, h    float64
	} // what the screen shows now
	pngWanted []func([]byte, error) // callbacks waiting for a PNG of the next frame
	drawTimes []time.Duration       // CPU time of recent draws

	predictor PlotGeometry     // where the last frame drew the predictor, for editing
	panels    []*PanelGeometry // where the last frame drew each panel's parts
	drag      drag

	touches, justTouched, released []ebiten.TouchID
	lastTouch                      [2]float64

	lastUpdate, lastDraw time.Time
	drewLast             bool          // the previous frame drew
	drawPeriod           time.Duration // average period of frames that draw
}

// DrawTimes returns the CPU time of the recent frames that drew something.
func (g *Game) DrawTimes() []time.Duration { return slices.Clone(g.drawTimes) }

// RequestPNG asks for a PNG of the view; done is called from the next Draw.
func (g *Game) RequestPNG(done func([]byte, error)) {
	g.pngWanted = append(g.pngWanted, done)
}

// NewGame returns the game for a session.
func NewGame(s Source) *Game { return &Game{session: s, drag: drag{index: -1}} }

// Panels returns where the last frame drew each panel's parts.
func (g *Game) Panels() []*PanelGeometry { return g.panels }

// Predictor returns where the predictor plot was last drawn (for tests that click it).
func (g *Game) Predictor() PlotGeometry { return g.predictor }

// Update advances the session by one frame.
func (g *Game) Update() error {
	now := time.Now()
	if g.drewLast && !g.lastUpdate.IsZero() {
		// How long a frame that draws takes, GPU included: rAF waits for it.
		d := now.Sub(g.lastUpdate)
		if g.drawPeriod == 0 {
			g.drawPeriod = d
		}
		g.drawPeriod = (3*g.drawPeriod + d) / 4
	}
	g.lastUpdate, g.drewLast = now, false
	g.editData()
	g.session.Update(time.Now)
	return nil
}

// slowDraws is the frame period above which drawing limits the frame rate (software
// WebGL, an old device): then a fast-forwarding run is drawn only every drawEvery,
// and the frames in between go to the simulation.
const (
	slowDraws = 40 * time.Millisecond
	drawEvery = 100 * time.Millisecond
)

// Draw paints the latest snapshot. It never touches the simulation. When nothing
// changed since the last frame it leaves the screen as it is (the screen is not
// cleared between frames), so a paused simulator costs almost nothing.
func (g *Game) Draw(screen *ebiten.Image) {
	snap := g.session.Snapshot()
	if snap == nil {
		// Nothing to draw yet (the workers are starting, or failed to): the page's
		// background, not a black canvas.
		if g.shown.w != g.w || g.shown.h != g.h {
			g.shown.version, g.shown.w, g.shown.h = 0, g.w, g.h
			screen.Fill(colPage)
		}
		return
	}
	if g.shown.version == snap.Version && g.shown.w == g.w && g.shown.h == g.h && len(g.pngWanted) == 0 {
		return
	}
	if snap.FastForward && g.drawPeriod > slowDraws && time.Since(g.lastDraw) < drawEvery && len(g.pngWanted) == 0 && g.shown.w == g.w {
		return
	}
	g.lastDraw, g.drewLast = time.Now(), true
	g.shown.version, g.shown.w, g.shown.h = snap.Version, g.w, g.h
	start := time.Now()
	defer func() {
		g.drawTimes = append(g.drawTimes, time.Since(start))
		if len(g.drawTimes) > 4096 {
			g.drawTimes = append(g.drawTimes[:0], g.drawTimes[2048:]...)
		}
	}()
	g.canvas.dst = screen
	screen.Fill(colPage)
	g.panels = nil
	g.canvas.geom = &g.panels
	g.predictor = drawPanels(&g.canvas, snap, Layout(g.w, g.h), g.drag)
	drawHeader(&g.canvas, snap, g.w)
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
