package synth

import (
	"encoding/json"

	"bonafide"
	"bonafide/interchange"
)

// encodeRecord returns rec as one interchange line, newline included,
// exactly as interchange.Writer would write it.
func encodeRecord(rec bonafide.Record) ([]byte, error) {
	b, err := interchange.Encode(rec)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func encodeTruth(t *Truth) ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
