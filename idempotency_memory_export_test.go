package webhook

// NewMemoryStoreHashing is NewMemoryStore with hash in place of the
// store's hash of ids, so that tests can make ids collide.
func NewMemoryStoreHashing(opts *MemoryStoreOptions, hash func(string) uint64) (*MemoryStore, error) {
	s, err := NewMemoryStore(opts)
	if s != nil {
		s.idHash = hash
	}
	return s, err
}
