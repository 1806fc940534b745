package sqlstore

import (
	"iter"
	"sync"

	"bonafide"
)

// chunk is a run of encoded records, or the error that ended the source.
// Its slice and body buffer are reused once the inserting side is done.
type chunk struct {
	recs []Encoded
	buf  []byte // the bodies of recs, one after another
	err  error
}

// EncodeAll is a bulk load's pipeline: it reads recs and encodes them on a
// goroutine of its own, size records to a chunk, while insert writes the
// chunks in order on the caller's goroutine, so that parsing and JSON
// encoding overlap the database's work; up to queue chunks wait between
// the two. insert must not keep a chunk after it returns: its memory is
// reused. EncodeAll returns the first error: insert's, or that of recs or
// Encode once the records before it have been inserted (insert is called
// with what came before, possibly nothing, so that it checks its context
// first). By the time it returns, the encoding goroutine has ended.
func (c *Codec) EncodeAll(recs iter.Seq2[bonafide.Record, error], size, queue int, insert func([]Encoded) error) error {
	full := make(chan *chunk, queue)
	free := make(chan *chunk, queue+2)
	stop := make(chan struct{})
	for range queue + 2 {
		free <- &chunk{recs: make([]Encoded, 0, size)}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(full)
		c.encodeChunks(recs, size, free, full, stop)
	})
	err := insertChunks(full, free, insert)
	close(stop)
	for range full { // let the encoder finish if it is blocked sending
	}
	wg.Wait()
	return err
}

// encodeChunks pulls records from recs, encodes them and sends them in
// chunks on full, until recs ends, an error, or stop.
func (c *Codec) encodeChunks(recs iter.Seq2[bonafide.Record, error], size int, free <-chan *chunk, full chan<- *chunk, stop <-chan struct{}) {
	var b *chunk
	get := func() bool {
		select {
		case b = <-free:
			b.recs, b.buf, b.err = b.recs[:0], b.buf[:0], nil
			return true
		case <-stop:
			return false
		}
	}
	send := func() bool {
		select {
		case full <- b:
			b = nil
			return true
		case <-stop:
			return false
		}
	}
	if !get() {
		return
	}
	for rec, err := range recs {
		if err == nil {
			start := len(b.buf)
			var e Encoded
			e, err = c.Encode(rec, b.buf)
			if err == nil {
				b.buf = e.Body
				e.Body = e.Body[start:len(e.Body):len(e.Body)]
				b.recs = append(b.recs, e)
			}
		}
		if err != nil {
			b.err = err
			send()
			return
		}
		if len(b.recs) == size {
			if !send() || !get() {
				return
			}
		}
	}
	if len(b.recs) > 0 {
		send()
	}
}

// insertChunks hands the chunks from full to insert in order, and each back
// to free once inserted.
func insertChunks(full <-chan *chunk, free chan<- *chunk, insert func([]Encoded) error) error {
	for b := range full {
		if err := insert(b.recs); err != nil {
			return err
		}
		if b.err != nil {
			return b.err
		}
		free <- b
	}
	return nil
}
