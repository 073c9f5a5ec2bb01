// Package figure holds what the painters share: axis ticks, number formats and the
// palette, defined once. The page's painter (render, Ebiten) and the command line's
// (cmd/kinkscope, gonum/plot) import it and never each other.
package figure
