package sim

import "slices"

// maxHistory bounds the snapshots a run keeps, however long it runs.
const maxHistory = 4096

// History holds metric snapshots in memory bounded by a fixed capacity: when it is
// full, every other snapshot is dropped and from then on only every stride-th
// offered one is kept, so a long run keeps an evenly thinned record of all of it.
// The latest snapshot is always available.
type History struct {
	rows    []Metrics
	limit   int
	stride  int // keep every stride-th offered snapshot
	offered int
	latest  Metrics
}

func newHistory(limit int) History {
	return History{rows: make([]Metrics, 0, limit), limit: limit, stride: 1}
}

func (h *History) add(m Metrics) {
	h.latest = m
	if h.offered%h.stride == 0 {
		// Keep one place for the latest snapshot, which Rows appends when it was not
		// kept, so that Rows never returns more than limit snapshots.
		if len(h.rows) >= h.limit-1 {
			// Thin into a new array, so that slices RowsShared handed out earlier
			// keep their contents.
			keep := (len(h.rows) + 1) / 2 // rows 0, 2, 4, …: the last one too if len is odd
			thinned := make([]Metrics, keep, h.limit)
			for i := range thinned {
				thinned[i] = h.rows[2*i]
			}
			h.rows = thinned
			h.stride *= 2
		}
		if h.offered%h.stride == 0 {
			h.rows = append(h.rows, m)
		}
	}
	h.offered++
}

// RowsShared returns the same snapshots as Rows without copying them when it can.
// The caller must not modify the slice; it stays valid as the history grows, since
// the history only appends beyond it or thins into a new array.
func (h *History) RowsShared() []Metrics {
	n := len(h.rows)
	if n > 0 && h.rows[n-1].Iter == h.latest.Iter {
		return h.rows[:n:n]
	}
	return h.Rows()
}

// Rows returns a copy of the kept snapshots in order, ending with the latest one.
func (h *History) Rows() []Metrics {
	out := slices.Clone(h.rows)
	if len(out) == 0 || out[len(out)-1].Iter != h.latest.Iter {
		out = append(out, h.latest)
	}
	return out
}

// Len returns how many snapshots Rows returns.
func (h *History) Len() int {
	if len(h.rows) == 0 || h.rows[len(h.rows)-1].Iter != h.latest.Iter {
		return len(h.rows) + 1
	}
	return len(h.rows)
}

// Added returns how many snapshots were ever added: it changes whenever Latest does,
// even when a snapshot of the same iteration completes (a Pieced run's).
func (h *History) Added() int { return h.offered }

// Latest returns the most recent snapshot.
func (h *History) Latest() Metrics { return h.latest }
