package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bonafide/locker"
	"bonafide/triage"
)

// priceBundle is a family's locker bundle: their two posts (a birth, a
// paddling pool) in X's archive shape and the forum thread that urged
// reports.
func priceBundle(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	l, err := locker.Create(ctx, filepath.Join(t.TempDir(), "f.locker"), []byte("family passphrase"), locker.Config{KDF: locker.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tweets, _ := json.Marshal([]any{
		map[string]any{"tweet": map[string]any{"id_str": "1890000000000000001", "full_text": "Welcome to the world, little Maisie! Born this morning, 7lb 2oz, we are over the moon", "created_at": "Sat Feb 14 09:30:00 +0000 2026"}},
		map[string]any{"tweet": map[string]any{"id_str": "1890000000000000002", "full_text": "Maisie had her first go in the paddling pool today, she loved splashing in the garden while I hung the washing", "created_at": "Sat Feb 21 15:10:00 +0000 2026"}},
	})
	if _, err := l.ImportPosts(ctx, append([]byte("window.YTD.tweets.part0 = "), tweets...), "@pricefamily"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddFile(ctx, locker.FileInput{Name: "thread.txt", Category: locker.CategoryForum, Title: "pricefamily watch - page 14",
		When: time.Date(2026, 2, 21, 20, 0, 0, 0, time.UTC),
		Data: []byte("@pricefamily leaves that baby splashing in a paddling pool while she hangs the washing. Someone ring social services about her, I'm reporting her tonight.")}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := l.Export(ctx, &buf, locker.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func priceReferralBody(id, at, narrative string) map[string]any {
	body := referral(id)
	body["received_at"] = at
	body["channel"] = "web_form"
	body["knowledge_basis"] = "not_stated"
	body["reporter"] = map[string]any{"anonymous": true}
	body["children"] = []any{map[string]any{"given_name": "Maisie", "family_name": "Price", "role": "child"}}
	body["adults"] = []any{map[string]any{"given_name": "Zoe", "family_name": "Price", "role": "mother",
		"social_handles": []any{map[string]any{"platform": "x", "handle": "@pricefamily"}}}}
	body["address"] = map[string]any{"line1": "12 Alder Close", "town": "Northbury", "postcode": "NB4 7ZZ"}
	body["narrative"] = narrative
	return body
}

// TestFamilyEvidence: a social worker uploads the family's bundle; it is
// verified, its posts are filed with their provenance, and the family's
// open referrals, which triage did not flag, are flagged with the posts
// quoted. A damaged bundle is refused naming the exhibit; a second upload
// of the same bundle is refused as already filed.
func TestFamilyEvidence(t *testing.T) {
	forBackends(t, func(t *testing.T, open opener) {
		w := newWorkflowEnv(t, open)
		cfg := triage.DefaultConfig()
		w.srv.TriageConfig = &cfg
		w.srv.evidence = w.srv.newEvidence() // Handler made it before the config was set
		for _, r := range []struct{ id, at, text string }{
			{"PR-1", "2026-02-22T09:00:00Z", "The baby Maisie is left splashing alone in the paddling pool in the garden while the mother hangs the washing."},
			{"PR-2", "2026-02-23T18:00:00Z", "Mother hangs washing while baby Maisie is in a paddling pool in the garden, nobody watching her splashing."},
		} {
			if resp, data := w.send(t, "POST", "/api/v1/referrals", "application/json", mustJSON(t, priceReferralBody(r.id, r.at, r.text)), w.sender); resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST %s = %d %s", r.id, resp.StatusCode, data)
			}
			w.triaged(t, r.id, "FAM-PRICE")
		}
		bundle := priceBundle(t)

		// damaged: one byte of the forum exhibit
		zr, _ := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
		var dmg bytes.Buffer
		zw := zip.NewWriter(&dmg)
		for _, f := range zr.File {
			rc, _ := f.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			if f.Name == "exhibits/E3/thread.txt" {
				data[5] ^= 1
			}
			fw, _ := zw.Create(f.Name)
			fw.Write(data)
		}
		zw.Close()
		resp, body := w.send(t, "POST", "/api/v1/families/FAM-PRICE/evidence", "application/zip", dmg.Bytes(), w.worker)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "exhibit E3: exhibits/E3/thread.txt") {
			t.Fatalf("damaged bundle = %d %s, want 400 naming exhibit E3", resp.StatusCode, body)
		}

		resp, body = w.send(t, "POST", "/api/v1/families/FAM-PRICE/evidence", "application/zip", bundle, w.worker)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("bundle = %d %s", resp.StatusCode, body)
		}
		var v EvidenceView
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		if v.Exhibits != 3 || len(v.Filed) != 3 {
			t.Errorf("exhibits %d, filed %q; want 3 and 3", v.Exhibits, v.Filed)
		}
		got := map[string]ReassessmentView{}
		for _, a := range v.Reassessed {
			got[a.ReferralID] = a
		}
		for _, id := range []string{"PR-1", "PR-2"} {
			a, ok := got[id]
			if !ok {
				t.Fatalf("%s not re-assessed: %s", id, body)
			}
			if a.StoredFlagged || !a.Flagged {
				t.Errorf("%s: stored flagged %v, now %v (score %.2f); want false then true", id, a.StoredFlagged, a.Flagged, a.Score)
			}
			quoted := false
			for _, r := range a.Reasons {
				quoted = quoted || (strings.Contains(r.Evidence, "locker:") && strings.Contains(r.Evidence, "paddling pool"))
			}
			if !quoted {
				t.Errorf("%s: the reasons do not quote the family's posts: %+v", id, a.Reasons)
			}
		}
		ev, err := w.srv.Cases.Cases.Evidence(context.Background(), "FAM-PRICE")
		if err != nil || len(ev) != 1 || ev[0].ID != v.Evidence || ev[0].BundleSHA256 != v.BundleSHA256 || ev[0].Exhibits != 3 || ev[0].Who == "" {
			t.Errorf("the family's evidence = %+v, %v; want the bundle %d attached", ev, err, v.Evidence)
		}
		if resp, body := w.send(t, "POST", "/api/v1/families/FAM-PRICE/evidence", "application/zip", bundle, w.worker); resp.StatusCode != http.StatusConflict {
			t.Errorf("the same bundle again = %d %s, want 409", resp.StatusCode, body)
		}
		// The re-assessments are stored: the referrals' cases are flagged
		// now, and their latest assessment quotes the family's posts.
		for _, id := range []string{"PR-1", "PR-2"} {
			if !got[id].Stored {
				t.Errorf("%s: the re-assessment was not stored", id)
			}
			row, err := w.srv.Cases.Cases.CaseRow(context.Background(), id)
			if err != nil || !row.Flagged || row.Family != "FAM-PRICE" {
				t.Errorf("%s case after the bundle = flagged %v family %q (%v); want flagged, FAM-PRICE", id, row.Flagged, row.Family, err)
			}
			a, err := w.srv.Assessments.Assessment(context.Background(), id)
			if err != nil || !a.Flagged || !strings.Contains(string(a.Output), "locker:") {
				t.Errorf("%s latest assessment flagged %v (%v), want flagged quoting the bundle", id, a.Flagged, err)
			}
		}
		resp, body = w.send(t, "GET", "/api/v1/families/FAM-PRICE/evidence", "", nil, w.worker)
		var list EvidenceListView
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Evidence) != 1 ||
			list.Evidence[0].BundleSHA256 != v.BundleSHA256 || !list.Evidence[0].Verified || list.Evidence[0].Exhibits != 3 {
			t.Errorf("GET evidence = %d %s; want the one bundle, verified, 3 exhibits", resp.StatusCode, body)
		}
	})
}
