package app

import (
	"math"
	"strconv"
	"strings"
)

// formatEditedPoints writes 1D data as the points setting, rounding what a pointer
// placed to 3 decimals so that the URL stays short.
func formatEditedPoints(xs, ys []float64) string {
	var sb strings.Builder
	for i := range xs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatFloat(round3(xs[i]), 'g', -1, 64))
		sb.WriteByte(':')
		sb.WriteString(strconv.FormatFloat(round3(ys[i]), 'g', -1, 64))
	}
	return sb.String()
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// Edit is one change to the data a user makes on the predictor plot.
type Edit struct {
	Kind  EditKind
	Index int     // the point moved or deleted
	X, Y  float64 // the new position (add, move), in data coordinates
}

// EditKind is what an Edit does.
type EditKind int

const (
	EditAdd EditKind = iota
	EditMove
	EditDelete
)

// ApplyEdit returns the points setting after the edit, or "" and false when the edit
// would leave no data (the last point cannot be deleted) or names no point.
func ApplyEdit(xs, ys []float64, e Edit) (string, bool) {
	nx, ny := append([]float64(nil), xs...), append([]float64(nil), ys...)
	switch e.Kind {
	case EditAdd:
		nx, ny = append(nx, e.X), append(ny, e.Y)
	case EditMove:
		if e.Index < 0 || e.Index >= len(nx) {
			return "", false
		}
		nx[e.Index], ny[e.Index] = e.X, e.Y
	case EditDelete:
		if e.Index < 0 || e.Index >= len(nx) || len(nx) == 1 {
			return "", false
		}
		nx, ny = append(nx[:e.Index], nx[e.Index+1:]...), append(ny[:e.Index], ny[e.Index+1:]...)
	}
	return formatEditedPoints(nx, ny), true
}
