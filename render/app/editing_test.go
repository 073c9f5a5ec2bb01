package app

import (
	"testing"
	"time"
)

func TestEditsChangeTheRunAndTheURL(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession(short())
	snap := s.Snapshot()
	n := len(snap.DataX)
	pts, ok := ApplyEdit(snap.DataX, snap.DataY, Edit{Kind: EditAdd, X: 0.1234, Y: -0.5})
	if !ok {
		t.Fatal("add refused")
	}
	if errs := s.Set([][2]string{{"points", pts}}); len(errs) != 0 {
		t.Fatal(errs)
	}
	s.Update(clk.now)
	if got := len(s.Snapshot().DataX); got != n+1 {
		t.Errorf("after adding a point: %d points, want %d", got, n+1)
	}
	q := EncodeQuery(s.Query())
	again := NewSession(ParseQuery(q))
	if len(again.Snapshot().DataX) != n+1 || again.State().TrainLoss != s.State().TrainLoss {
		t.Errorf("the URL %q does not reproduce the edited data", q)
	}
	snap = s.Snapshot()
	if pts, ok = ApplyEdit(snap.DataX, snap.DataY, Edit{Kind: EditMove, Index: 0, X: -1, Y: 2}); !ok {
		t.Fatal("move refused")
	}
	s.Set([][2]string{{"points", pts}})
	s.Update(clk.now)
	if snap = s.Snapshot(); snap.DataX[0] != -1 || snap.DataY[0] != 2 {
		t.Errorf("moved point is at %v, %v", snap.DataX[0], snap.DataY[0])
	}
	if pts, ok = ApplyEdit(snap.DataX, snap.DataY, Edit{Kind: EditDelete, Index: 0}); !ok {
		t.Fatal("delete refused")
	}
	s.Set([][2]string{{"points", pts}})
	s.Update(clk.now)
	if got := len(s.Snapshot().DataX); got != n {
		t.Errorf("after a delete: %d points, want %d", got, n)
	}
	if _, ok := ApplyEdit([]float64{1}, []float64{2}, Edit{Kind: EditDelete, Index: 0}); ok {
		t.Errorf("deleting the last point was allowed")
	}
	if _, ok := ApplyEdit([]float64{1}, []float64{2}, Edit{Kind: EditMove, Index: 3}); ok {
		t.Errorf("moving a point that does not exist was allowed")
	}
}
