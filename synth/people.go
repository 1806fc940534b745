package synth

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// PeopleHeader is the header row PeopleCSV writes, so that linkage configs
// and tests can name its columns without repeating them.
var PeopleHeader = []string{"id", "entity_id", "given_name", "surname", "dob", "sex", "nhs_number", "postcode", "address", "town", "phone", "email"}

// peopleBlock is how many rows share one layout draw. Each block's rows are
// a few entities and their duplicates, so any row can be made again from its
// block alone: that is what lets PeopleCSV shuffle without memory.
const peopleBlock = 16

// PeopleCSV writes n person records, with a header, for record-linkage
// benchmarks: about 57% of real people appear once, the rest two to five
// times, each copy typed again with the errors strangers make (nicknames,
// misspellings, swapped names, partial or wrong dates of birth, postcode
// variants, mistyped NHS numbers, house moves). entity_id is the truth: rows
// with the same entity_id are the same person. Household members (same
// surname and address, twins with the same birthday) are there too, as the
// hard non-matches.
//
// Rows come in a keyed random order, so that duplicates are not adjacent;
// the output depends only on seed and n, and memory does not grow with n.
func PeopleCSV(ctx context.Context, seed int64, n int, w io.Writer) error {
	if n < 0 {
		return fmt.Errorf("people csv: negative row count %d", n)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(PeopleHeader); err != nil {
		return fmt.Errorf("people csv: %w", err)
	}
	perm := newPermN(seed, uint64(n))
	var cache peopleLayout
	cache.block = -1
	row := make([]string, len(PeopleHeader))
	for pos := 0; pos < n; pos++ {
		if pos%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("people csv: %w", err)
			}
		}
		slot := int(perm.apply(uint64(pos)))
		block := slot / peopleBlock
		if cache.block != block {
			cache = layoutBlock(seed, block)
		}
		s := cache.slots[slot%peopleBlock]
		personRow(row, seed, pos, cache.entity(seed, s.entity), s.copy)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("people csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("people csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("people csv: %w", err)
	}
	return nil
}

type peopleSlot struct{ entity, copy int }

type peopleEntity struct {
	id   int64
	who  human
	home home
	// moved is where a later copy may say they live after a move.
	moved home
}

// peopleLayout says which entity and copy fill each slot of one block, and
// which entities join the household of the entity before them. Entities are
// invented only when a row needs them.
type peopleLayout struct {
	block     int
	slots     [peopleBlock]peopleSlot
	household [peopleBlock]bool
}

func layoutBlock(seed int64, block int) peopleLayout {
	r := newRand(seed, labelPeopleBlock, uint64(block))
	l := peopleLayout{block: block}
	copies := []float64{57, 25, 11, 5, 2} // 1..5 records per person
	slot, ent := 0, 0
	for slot < peopleBlock {
		k := 1 + weighted(r, copies)
		l.household[ent] = ent > 0 && chance(r, 0.18)
		for c := 0; c < k && slot < peopleBlock; c++ {
			l.slots[slot] = peopleSlot{entity: ent, copy: c}
			slot++
		}
		ent++
	}
	return l
}

// entity invents entity j of the block; a household member is invented from
// the entity before it.
func (l *peopleLayout) entity(seed int64, j int) peopleEntity {
	id := int64(l.block)*peopleBlock + int64(j)
	e := peopleEntity{id: id}
	er := newRand(seed, labelPeopleEntity, uint64(id))
	if l.household[j] {
		e.who, e.home = householdMember(er, l.entity(seed, j-1))
	} else {
		e.who = newHuman(er, "", "", 1935, 2024)
		e.home = newHome(er)
	}
	if chance(er, 0.7) {
		e.who.Phone = mobile(er)
	}
	if chance(er, 0.6) {
		e.who.Email = emailFor(er, e.who.Given, e.who.Surname, e.who.DOB)
	}
	e.moved = newHome(er)
	if chance(er, 0.5) { // most moves are local
		e.moved.Town = e.home.Town
		e.moved.District = e.home.District
		e.moved.Postcode = e.home.Postcode[:strings.IndexByte(e.home.Postcode, ' ')] + e.moved.Postcode[strings.IndexByte(e.moved.Postcode, ' '):]
	}
	return e
}

// householdMember invents someone who lives with prev: a partner, a child,
// a parent, or a twin with the same birthday.
func householdMember(r *rand.Rand, prev peopleEntity) (human, home) {
	p := prev.who
	var h human
	switch r.IntN(4) {
	case 0: // twin
		h = newHuman(r, "", p.Surname, p.DOB.Year(), p.DOB.Year())
		h.DOB = p.DOB
	case 1: // child
		y := min(p.DOB.Year()+18+r.IntN(20), 2024)
		h = newHuman(r, "", p.Surname, y, y)
	case 2: // junior with the same first name, a generation apart
		y := min(p.DOB.Year()+20+r.IntN(15), 2024)
		h = newHuman(r, p.Sex, p.Surname, y, y)
		h.Given = p.Given
	default: // partner
		h = newHuman(r, "", p.Surname, p.DOB.Year()-5, p.DOB.Year()+5)
	}
	return h, prev.home
}

// personRow fills row with copy c of entity e. Copy 0 is the cleanest (as
// from a register); later copies are retyped with more noise.
func personRow(row []string, seed int64, pos int, e peopleEntity, c int) {
	r := newRand(seed, labelPeopleRecord, uint64(e.id)<<3|uint64(c))
	level := ordinary
	if c == 0 {
		level = careful
	} else if chance(r, 0.3) {
		level = stranger
	}
	who, where := e.who, e.home
	if c > 0 && chance(r, 0.08) {
		where = e.moved
	}
	given := typedGiven(r, who.Given, level)
	surname := typedSurname(r, who.Surname, level)
	if c > 0 && who.Sex == "F" && chance(r, 0.03) { // married since
		surname = pick(r, surnames)
	}
	if c > 0 && chance(r, 0.04) {
		given, surname = surname, given
	}
	if level != careful && chance(r, 0.03) {
		given = ""
	}
	dob := typedDOB(r, who.DOB, level)
	row[0] = "P" + strconv.Itoa(pos+1)
	row[1] = "E" + strconv.FormatInt(e.id+1, 10)
	row[2] = given
	row[3] = surname
	row[4] = dob.String()
	row[5] = who.Sex
	if chance(r, [3]float64{0.02, 0.1, 0.3}[level]) {
		row[5] = ""
	}
	row[6] = typedNHS(r, who.NHS, min(level, ordinary))
	if c == 0 && chance(r, 0.5) {
		row[6] = ""
	}
	row[7] = typedPostcode(r, where.Postcode, level)
	row[8] = typedLine1(r, where, level)
	row[9] = where.Town.Name
	if chance(r, [3]float64{0.02, 0.1, 0.3}[level]) {
		row[9] = ""
	}
	row[10] = ""
	if who.Phone != "" && chance(r, 0.6) {
		row[10] = typedPhone(r, who.Phone)
	}
	row[11] = ""
	if who.Email != "" && chance(r, 0.5) {
		row[11] = who.Email
		if chance(r, 0.1) {
			row[11] = strings.ToUpper(row[11][:1]) + row[11][1:]
		}
	}
}

// typedPhone writes a mobile number in one of the ways people write them,
// occasionally with a digit wrong.
func typedPhone(r *rand.Rand, p string) string {
	digits := strings.ReplaceAll(p, " ", "")
	if chance(r, 0.05) {
		b := []byte(digits)
		i := 2 + r.IntN(len(b)-2)
		b[i] = byte('0' + (int(b[i]-'0')+1)%10)
		digits = string(b)
	}
	switch r.IntN(4) {
	case 0:
		return digits
	case 1:
		return "+44 " + digits[1:5] + " " + digits[5:]
	case 2:
		return digits[:5] + " " + digits[5:8] + " " + digits[8:]
	}
	return digits[:5] + " " + digits[5:]
}
