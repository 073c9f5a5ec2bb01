package sim

import "testing"

// checkHistory verifies the invariants of a history after offered snapshots with
// Iter = 3·k (k = 0, 1, …): bounded, first and latest present, evenly spaced.
func checkHistory(t *testing.T, h *History, offered int) {
	t.Helper()
	rows := h.Rows()
	if len(rows) != h.Len() {
		t.Fatalf("after %d offers: len(Rows()) = %d, want Len() = %d", offered, len(rows), h.Len())
	}
	if len(rows) > maxHistory {
		t.Fatalf("after %d offers: %d rows, want at most %d", offered, len(rows), maxHistory)
	}
	if offered >= maxHistory && len(rows) < maxHistory/2 {
		t.Fatalf("after %d offers: %d rows, want at least %d", offered, len(rows), maxHistory/2)
	}
	last := 3 * (offered - 1)
	if rows[0].Iter != 0 || rows[len(rows)-1].Iter != last || h.Latest().Iter != last {
		t.Fatalf("after %d offers: rows run from %d to %d, Latest %d, want 0 to %d", offered, rows[0].Iter, rows[len(rows)-1].Iter, h.Latest().Iter, last)
	}
	if len(rows) < 3 {
		return
	}
	// Evenly spaced, except possibly the latest, which comes at most one gap later.
	gap := rows[1].Iter - rows[0].Iter
	for i := 2; i < len(rows)-1; i++ {
		if d := rows[i].Iter - rows[i-1].Iter; d != gap {
			t.Fatalf("after %d offers: row %d at iteration %d is %d after the previous, want %d", offered, i, rows[i].Iter, d, gap)
		}
	}
	if d := rows[len(rows)-1].Iter - rows[len(rows)-2].Iter; d <= 0 || d > gap {
		t.Fatalf("after %d offers: the latest row is %d after the previous, want 1..%d", offered, d, gap)
	}
}

func TestHistoryBounded(t *testing.T) {
	const offers = 100000
	h := newHistory(maxHistory)
	for k := 0; k < offers; k++ {
		h.add(Metrics{Iter: 3 * k, TrainLoss: float64(k)})
		n := k + 1
		if h.Len() > maxHistory {
			t.Fatalf("after %d offers: Len() = %d, want at most %d", n, h.Len(), maxHistory)
		}
		// Rows copies the history: check it near every thinning and now and then.
		if n < 10 || n%997 == 0 || n%maxHistory <= 2 || n%maxHistory >= maxHistory-2 || n == offers {
			checkHistory(t, &h, n)
		}
	}
	// Rows hands out a copy.
	rows := h.Rows()
	rows[0].Iter = -1
	if h.Rows()[0].Iter != 0 {
		t.Errorf("modifying Rows() changed the history")
	}
}

func TestHistorySmall(t *testing.T) {
	for _, limit := range []int{2, 4, 8} {
		h := newHistory(limit)
		for k := 0; k < 1000; k++ {
			h.add(Metrics{Iter: k})
			if h.Len() > limit {
				t.Fatalf("limit %d, after %d offers: Len() = %d, want at most %d", limit, k+1, h.Len(), limit)
			}
			rows := h.Rows()
			if rows[0].Iter != 0 || rows[len(rows)-1].Iter != k {
				t.Fatalf("limit %d, after %d offers: rows from %d to %d, want 0 to %d", limit, k+1, rows[0].Iter, rows[len(rows)-1].Iter, k)
			}
		}
	}
}
