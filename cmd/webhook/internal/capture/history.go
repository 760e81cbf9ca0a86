package capture

// history is a ring buffer of recorded deliveries, bounded both in count and
// in bytes, that also remembers which message ids it holds so duplicates
// can be marked. It is not safe for concurrent use; [Server] guards it.
type history struct {
	ring     []*entry
	head     int // index of the oldest entry
	n        int // number of entries held
	bytes    int64
	maxBytes int64
	nextSeq  int64
	ids      map[string]*idRef
}

// entry is a recorded delivery plus its listing encoded for the live page,
// computed at most once.
type entry struct {
	d       *Delivery
	cost    int64
	summary []byte
}

type idRef struct {
	first int64 // Seq of the first delivery with this id
	refs  int   // deliveries with this id still held
}

// maxIDLen bounds the ids remembered for duplicate marking.
const maxIDLen = 256

func newHistory(size int, maxBytes int64) *history {
	return &history{
		ring:     make([]*entry, size),
		maxBytes: maxBytes,
		nextSeq:  1,
		ids:      make(map[string]*idRef),
	}
}

// add numbers d, marks it as a duplicate when its id is held, stores it and
// evicts the oldest entries it has no room for (the newest always stays).
func (h *history) add(d *Delivery) *entry {
	d.Seq = h.nextSeq
	h.nextSeq++
	if d.ID != "" && len(d.ID) <= maxIDLen {
		if ref, ok := h.ids[d.ID]; ok {
			d.DuplicateOf = ref.first
			ref.refs++
		} else {
			h.ids[d.ID] = &idRef{first: d.Seq, refs: 1}
		}
	}
	e := &entry{d: d, cost: d.cost()}
	// Make room first, so the history never holds more than its bounds.
	for h.n > 0 && (h.n == len(h.ring) || h.bytes+e.cost > h.maxBytes) {
		h.evict()
	}
	h.ring[(h.head+h.n)%len(h.ring)] = e
	h.n++
	h.bytes += e.cost
	return e
}

func (h *history) evict() {
	e := h.ring[h.head]
	h.ring[h.head] = nil
	h.head = (h.head + 1) % len(h.ring)
	h.n--
	h.bytes -= e.cost
	if id := e.d.ID; id != "" && len(id) <= maxIDLen {
		if ref := h.ids[id]; ref != nil {
			if ref.refs--; ref.refs == 0 {
				delete(h.ids, id)
			}
		}
	}
}

// get returns the entry numbered seq, or nil when it is not held.
func (h *history) get(seq int64) *entry {
	if h.n == 0 {
		return nil
	}
	oldest := h.ring[h.head].d.Seq
	if seq < oldest || seq >= oldest+int64(h.n) {
		return nil
	}
	return h.ring[(h.head+int(seq-oldest))%len(h.ring)]
}

// since appends to dst the entries numbered after seq, oldest first.
func (h *history) since(dst []*entry, seq int64) []*entry {
	for i := 0; i < h.n; i++ {
		if e := h.ring[(h.head+i)%len(h.ring)]; e.d.Seq > seq {
			dst = append(dst, e)
		}
	}
	return dst
}

func (h *history) len() int { return h.n }
