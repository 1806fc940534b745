package auditlog_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bonafide/auditlog"
)

func clock() func() time.Time {
	t := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Minute); return t }
}

func Example() {
	ctx := context.Background()
	key, _, err := auditlog.GenerateSigningKey("council-audit") // production: auditlog.LoadSigningKey(os.Getenv)
	if err != nil {
		panic(err)
	}
	store := new(auditlog.MemoryStorage) // production: the SQLite or PostgreSQL store
	log, err := auditlog.New(store, key, auditlog.Config{Origin: "example.gov.uk/bonafide", Now: clock()})
	if err != nil {
		panic(err)
	}
	for _, e := range []auditlog.Entry{
		{Who: "system", What: "referral.create", Object: "R-0001", Why: "web intake"},
		{Who: "sw-17", What: "reporter.open", Object: "R-0001", Why: "section 47 enquiry, manager approved"},
		{Who: "sw-17", What: "referral.decide", Object: "R-0001", Why: "early help"},
	} {
		got, err := log.Append(ctx, e)
		if err != nil {
			panic(err)
		}
		fmt.Println(got.N, got.Time.Format(time.TimeOnly), got.Who, got.What, got.Object)
	}
	c, err := log.WriteCheckpoint(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("checkpoint size", c.Size)

	// An insider edits entry 1 in the database to hide who looked.
	_, data, _ := log.Entry(ctx, 1)
	data[len(`{"n":1,"time":"2026-11-24T09:02:00Z","who":"sw-`)] = '9'
	store.SetEntry(ctx, 1, data)

	_, err = log.Verify(ctx)
	var ve *auditlog.VerifyError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// 0 09:01:00 system referral.create R-0001
	// 1 09:02:00 sw-17 reporter.open R-0001
	// 2 09:03:00 sw-17 referral.decide R-0001
	// checkpoint size 3
	// entry 1 edited
	// checkpoint 1: root mismatch at size 3 (entries 0 to 2 changed)
}

func ExampleCheckInclusion() {
	ctx := context.Background()
	key, _, _ := auditlog.GenerateSigningKey("council-audit")
	log, _ := auditlog.New(new(auditlog.MemoryStorage), key, auditlog.Config{Now: clock()})
	for i := range 5 {
		log.Append(ctx, auditlog.Entry{Who: "system", What: "referral.create", Object: fmt.Sprint("R-", i), Why: "import"})
	}
	log.WriteCheckpoint(ctx)

	// What the information-governance team was given: the verifier key and
	// the checkpoint. What it is sent now: an entry and a proof.
	vkey := log.VerifierKey()
	checkpoint, _ := log.Checkpoint(ctx)
	_, entry, _ := log.Entry(ctx, 3)
	proof, _ := log.Prove(ctx, 3, 0)

	fmt.Println("entry 3:", auditlog.CheckInclusion(vkey, auditlog.DefaultOrigin, checkpoint, entry, proof))
	_, other, _ := log.Entry(ctx, 2)
	fmt.Println("entry 2 with 3's proof fails:", auditlog.CheckInclusion(vkey, auditlog.DefaultOrigin, checkpoint, other, proof) != nil)
	// Output:
	// entry 3: <nil>
	// entry 2 with 3's proof fails: true
}

func ExampleProofBundle() {
	ctx := context.Background()
	key, _, _ := auditlog.GenerateSigningKey("council-audit")
	log, _ := auditlog.New(new(auditlog.MemoryStorage), key, auditlog.Config{Now: clock()})
	for i := range 3 {
		log.Append(ctx, auditlog.Entry{Who: "sw-17", What: "reporter.open", Object: fmt.Sprint("R-", i), Why: "section 47 enquiry"})
	}
	log.WriteCheckpoint(ctx)

	// The operator sends the bundle of entry 1 as text (bonafide audit prove 1).
	b, _ := log.Bundle(ctx, 1)
	text, _ := b.MarshalText()

	// The recipient, who was given the verifier key beforehand, checks it.
	trusted := log.VerifierKey()
	var got auditlog.ProofBundle
	if err := got.UnmarshalText(text); err != nil {
		panic(err)
	}
	e, err := got.Check(trusted)
	fmt.Println(e.N, e.Who, e.What, e.Object, err)
	// Output:
	// 1 sw-17 reporter.open R-1 <nil>
}
