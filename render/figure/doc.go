// Package figure holds what the painters share: axis ticks, number formats, the
// palette and whether a legend's box covers data, defined once. The page's painter (render, Ebiten) and the command line's
// (cmd/kinkscope, gonum/plot) import it and never each other.
package figure
