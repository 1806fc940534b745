package triage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// maxConfigBytes bounds a settings file; real ones are a few kilobytes.
const maxConfigBytes = 1 << 20

// ReadConfig reads a settings file (JSON, as `bonafide triage fit` writes
// it) onto [DefaultConfig]: what it leaves out keeps its default. It
// refuses a member Config does not have, naming the ones it has, and a
// configuration that does not Validate.
func ReadConfig(r io.Reader) (Config, error) {
	c := DefaultConfig()
	b, err := io.ReadAll(io.LimitReader(r, maxConfigBytes+1))
	if err != nil {
		return c, err
	}
	if len(b) > maxConfigBytes {
		return c, fmt.Errorf("settings longer than %d bytes", maxConfigBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		if name, known := unknownSetting(b); name != "" {
			return c, fmt.Errorf("unknown setting %q (want one of %s)", name, strings.Join(known, ", "))
		}
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// unknownSetting returns the first top-level member of a settings file that
// Config does not have, and the members it has; "" when every member is
// known.
func unknownSetting(file []byte) (string, []string) {
	var got, known map[string]json.RawMessage
	def, err := json.Marshal(DefaultConfig())
	if err != nil || json.Unmarshal(file, &got) != nil || json.Unmarshal(def, &known) != nil {
		return "", nil
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := known[k]; !ok {
			return k, slices.Sorted(maps.Keys(known))
		}
	}
	return "", nil
}
