package nickname

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed names.txt
var namesTxt string

// maxName bounds a name the table can hold. Longer input cannot match, so
// lookups fold it no further; it also sizes the stack buffer that keeps
// lookups free of allocation.
const maxName = 48

// A Table maps given names to the groups they belong to. It is immutable once
// built, so one Table serves any number of goroutines.
type Table struct {
	keys   map[string][]string // name -> sorted keys of the groups it is in
	groups map[string][]string // key -> members, key first
}

// Parse builds a Table from text in the names.txt format: one group per line,
// words separated by spaces, the group key first; blank lines and lines
// starting with # are ignored. A key that appears on two lines has its groups
// merged. It exists so that a deployment can extend or replace the embedded
// table; most callers use [Default] through [Canonical] and [Related].
//
// Words must be lower-case ASCII letters, optionally with inner hyphens or
// apostrophes removed beforehand, and a group needs at least two members.
// The error names the offending line.
func Parse(text string) (*Table, error) {
	t := &Table{keys: make(map[string][]string), groups: make(map[string][]string)}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		words := strings.Fields(line)
		if len(words) < 2 {
			return nil, fmt.Errorf("nickname table line %d: group %q has one member", i+1, words[0])
		}
		for _, w := range words {
			if !validWord(w) {
				return nil, fmt.Errorf("nickname table line %d: %q is not a lower-case name", i+1, w)
			}
		}
		key := words[0]
		members := t.groups[key]
		if members == nil {
			members = []string{key}
		}
		for _, w := range words[1:] {
			if !slices.Contains(members, w) {
				members = append(members, w)
			}
		}
		t.groups[key] = members
	}
	for key, members := range t.groups {
		for _, w := range members {
			if !slices.Contains(t.keys[w], key) {
				t.keys[w] = append(t.keys[w], key)
			}
		}
	}
	for w, ks := range t.keys {
		slices.Sort(ks)
		t.keys[w] = slices.Clip(ks)
	}
	return t, nil
}

func validWord(w string) bool {
	if len(w) == 0 || len(w) > maxName || w[0] == '-' || w[len(w)-1] == '-' {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// Default returns the table built from the embedded names.txt. It is parsed
// once, on first use, rather than at program start, so that programs that
// never compare names pay nothing.
var Default = sync.OnceValue(func() *Table {
	t, err := Parse(namesTxt)
	if err != nil {
		// names.txt is part of the source; TestEmbeddedTable keeps it valid.
		panic(err)
	}
	return t
})

// Canonical returns the keys of the groups name belongs to in the default
// table, in sorted order, or nil when the table does not know it. Linkage uses
// the keys as blocking values and to compare given names at the nickname
// level. The returned slice is shared: callers must not modify it.
func Canonical(name string) []string { return Default().Canonical(name) }

// Related reports whether a and b can name the same person in the default
// table: they are equal once case and accents are folded, or they share a
// group. Empty names are never related.
func Related(a, b string) bool { return Default().Related(a, b) }

// Canonical returns the sorted keys of the groups name belongs to, or nil.
// The returned slice is shared: callers must not modify it.
func (t *Table) Canonical(name string) []string {
	var buf [maxName]byte
	k, ok := fold(name, &buf)
	if !ok {
		return nil
	}
	return t.keys[string(k)]
}

// Related reports whether a and b are equal once folded or share a group.
func (t *Table) Related(a, b string) bool {
	var bufA, bufB [maxName]byte
	ka, okA := fold(a, &bufA)
	kb, okB := fold(b, &bufB)
	if !okA || !okB || len(ka) == 0 || len(kb) == 0 {
		return false
	}
	if string(ka) == string(kb) {
		return true
	}
	ga, gb := t.keys[string(ka)], t.keys[string(kb)]
	for _, x := range ga {
		for _, y := range gb {
			if x == y {
				return true
			}
		}
	}
	return false
}

// Mask returns 64 bits of name such that two names [Related] in the default
// table always share one: a bit for the folded name itself and one for each
// group it is in. A caller comparing one name with thousands keeps each
// name's mask and calls Related only where two masks meet, which for
// unrelated names is about one pair in ten. 0 for a name Related never
// matches.
func Mask(name string) uint64 { return Default().Mask(name) }

// Mask is [Mask] in t.
func (t *Table) Mask(name string) uint64 {
	var buf [maxName]byte
	k, ok := fold(name, &buf)
	if !ok || len(k) == 0 {
		return 0
	}
	m := maskBit(k)
	for _, g := range t.keys[string(k)] {
		m |= maskBit(g)
	}
	return m
}

// maskBit is one bit chosen by the FNV-1a hash of s.
func maskBit[S ~string | ~[]byte](s S) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return 1 << (h >> 58)
}

// Group returns the members of the group with the given key, key first, or
// nil. It lets a caller expand a name into every form worth searching for.
// The returned slice is shared: callers must not modify it.
func (t *Table) Group(key string) []string {
	var buf [maxName]byte
	k, ok := fold(key, &buf)
	if !ok {
		return nil
	}
	return t.groups[string(k)]
}

// Len returns the number of groups, so that a caller can report which table
// it loaded.
func (t *Table) Len() int { return len(t.groups) }

// fold writes name into buf lower-cased, trimmed of spaces, without
// apostrophes and full stops (Wm. is wm) and with common Latin accents folded. It reports false when the
// name cannot be in any table: too long, or holding a character no table word
// has.
func fold(name string, buf *[maxName]byte) ([]byte, bool) {
	name = strings.TrimSpace(name)
	n := 0
	for _, r := range name {
		var c byte
		switch {
		case r >= 'a' && r <= 'z', r == '-', r == ' ':
			c = byte(r)
		case r >= 'A' && r <= 'Z':
			c = byte(r) + 'a' - 'A'
		case r == '\'' || r == '\u2019' || r == '`' || r == '.':
			continue
		default:
			c = foldRune(r)
			if c == 0 {
				return nil, false
			}
		}
		if n == len(buf) {
			return nil, false
		}
		buf[n] = c
		n++
	}
	return buf[:n], true
}

// foldRune maps a Latin letter with a diacritic to its base letter, or 0.
// It covers the letters of the languages the table holds names from; a
// letter with no single-letter base (ß, æ) cannot be in a name the table
// knows and maps to 0.
func foldRune(r rune) byte {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā', 'ă', 'ą', 'À', 'Á', 'Â', 'Ã', 'Ä', 'Å', 'Ā', 'Ă', 'Ą':
		return 'a'
	case 'ç', 'ć', 'č', 'Ç', 'Ć', 'Č':
		return 'c'
	case 'ď', 'đ', 'Ď', 'Đ':
		return 'd'
	case 'è', 'é', 'ê', 'ë', 'ē', 'ė', 'ę', 'ě', 'È', 'É', 'Ê', 'Ë', 'Ē', 'Ė', 'Ę', 'Ě':
		return 'e'
	case 'ğ', 'Ğ':
		return 'g'
	case 'ì', 'í', 'î', 'ï', 'ī', 'į', 'ı', 'Ì', 'Í', 'Î', 'Ï', 'Ī', 'Į', 'İ':
		return 'i'
	case 'ł', 'Ł':
		return 'l'
	case 'ñ', 'ń', 'ň', 'Ñ', 'Ń', 'Ň':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő', 'Ò', 'Ó', 'Ô', 'Õ', 'Ö', 'Ø', 'Ō', 'Ő':
		return 'o'
	case 'ř', 'Ř':
		return 'r'
	case 'ś', 'ş', 'š', 'ș', 'Ś', 'Ş', 'Š', 'Ș':
		return 's'
	case 'ţ', 'ť', 'ț', 'Ţ', 'Ť', 'Ț':
		return 't'
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű', 'ų', 'Ù', 'Ú', 'Û', 'Ü', 'Ū', 'Ů', 'Ű', 'Ų':
		return 'u'
	case 'ý', 'ÿ', 'Ý', 'Ÿ':
		return 'y'
	case 'ź', 'ż', 'ž', 'Ź', 'Ż', 'Ž':
		return 'z'
	}
	return 0
}
