package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// readBody reads r.Body up to limit bytes, restores r.Body over the bytes
// read, and returns them. It reads at most limit+1 bytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	return readBodyInto(r, limit, new(replayBody))
}

// readBodyInto is readBody with the replacement body supplied by the
// caller, so that it can share the caller's allocation.
func readBodyInto(r *http.Request, limit int64, rb *replayBody) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		r.Body = http.NoBody
		return []byte{}, nil
	}
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	// A declared length is allocated exactly; reaching it, a one-byte read
	// finds the EOF (net/http reports it with the last bytes) or the rest
	// of a body longer than declared.
	size := int64(512)
	if r.ContentLength >= 0 {
		size = r.ContentLength
	}
	buf := make([]byte, 0, size)
	lr := io.LimitedReader{R: r.Body, N: limit + 1}
	for {
		var n int
		var err error
		switch {
		case len(buf) < cap(buf):
			n, err = lr.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
		case int64(len(buf)) == r.ContentLength:
			n, err = lr.Read(rb.probe[:])
			if n > 0 {
				buf = append(buf, rb.probe[0])
			}
		default:
			buf = append(buf, 0)[:len(buf)]
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, mbe.Limit)
			}
			return nil, fmt.Errorf("webhook: reading body: %w", err)
		}
	}
	if int64(len(buf)) > limit {
		return nil, fmt.Errorf("%w: limit %d", ErrBodyTooLarge, limit)
	}
	r.Body.Close()
	rb.Reset(buf)
	r.Body = rb
	return buf, nil
}

// replayBody serves a body already read; one allocation where
// io.NopCloser(bytes.NewReader(b)) takes two.
type replayBody struct {
	bytes.Reader
	probe [1]byte // for the read past a declared length
}

// Close does nothing.
func (*replayBody) Close() error { return nil }
