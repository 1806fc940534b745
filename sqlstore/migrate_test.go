package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"bonafide"
)

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    []string // names in order
		wantErr bool
	}{
		{"version order, not name order", fstest.MapFS{
			"m/10_ten.sql": file("10"), "m/2_two.sql": file("2"), "m/001_one.sql": file("1"), "m/README": file("x"),
		}, []string{"001_one.sql", "2_two.sql", "10_ten.sql"}, false},
		{"none", fstest.MapFS{}, nil, false},
		{"shared number", fstest.MapFS{"m/001_a.sql": file(""), "m/1_b.sql": file("")}, nil, true},
		{"no number", fstest.MapFS{"m/init.sql": file("")}, nil, true},
		{"zero", fstest.MapFS{"m/000_zero.sql": file("")}, nil, true},
		{"no underscore", fstest.MapFS{"m/001.sql": file("")}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := LoadMigrations(tt.fs, "m")
			if (err != nil) != tt.wantErr {
				t.Fatalf("LoadMigrations() error = %v, want error %v", err, tt.wantErr)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Name)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("LoadMigrations() = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("LoadMigrations()[%d] = %s, want %s", i, got[i], tt.want[i])
				}
			}
		})
	}
	ms, err := LoadMigrations(fstest.MapFS{"m/007_x.sql": file("CREATE TABLE x ()")}, "m")
	if err != nil || len(ms) != 1 || ms[0].Version != 7 || ms[0].SQL != "CREATE TABLE x ()" {
		t.Errorf("LoadMigrations(one) = %+v, %v", ms, err)
	}
}

func TestCheckSchema(t *testing.T) {
	ms := []Migration{{Version: 1, Name: "001_a.sql"}, {Version: 2, Name: "002_b.sql"}}
	if err := CheckSchema(ms, map[int]bool{1: true, 2: true}); err != nil {
		t.Errorf("CheckSchema(all applied) = %v", err)
	}
	err := CheckSchema(ms, map[int]bool{1: true})
	if bonafide.ErrorCode(err) != bonafide.EStaleSchema {
		t.Errorf("CheckSchema(one pending) = %v, want code %q", err, bonafide.EStaleSchema)
	}
}

func TestMigrate(t *testing.T) {
	ms := []Migration{{Version: 1, Name: "001_a.sql"}, {Version: 2, Name: "002_b.sql"}, {Version: 3, Name: "003_c.sql"}}
	var ran []int
	n, err := Migrate(context.Background(), ms, func(_ context.Context, m Migration) (bool, error) {
		ran = append(ran, m.Version)
		return m.Version != 2, nil // 2 was applied by another migrator
	})
	if n != 2 || err != nil || len(ran) != 3 {
		t.Errorf("Migrate() = %d, %v after %v, want 2, nil after all three", n, err, ran)
	}
	boom := errors.New("boom")
	n, err = Migrate(context.Background(), ms, func(_ context.Context, m Migration) (bool, error) {
		if m.Version == 2 {
			return false, boom
		}
		return true, nil
	})
	if n != 1 || !errors.Is(err, boom) || err.Error() != "migration 002_b.sql: boom" {
		t.Errorf("Migrate(failing 2) = %d, %v, want 1, migration 002_b.sql: boom", n, err)
	}
}

// TestMergeMigrations checks that a back-end's own migrations and the
// shared ones come in one version order, with the back-end's column types
// put in, and that a number used twice, a placeholder no back-end fills
// and a missing type name are refused.
func TestMergeMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	types := ColumnTypes{Text: "T", Int: "I", Time: "TS", JSON: "J", Blob: "B"}
	own := fstest.MapFS{"own/001_a.sql": file("CREATE TABLE a (x {text})"), "own/003_c.sql": file("c")}
	tests := []struct {
		name    string
		shared  fstest.MapFS
		types   ColumnTypes
		want    []string // name: SQL, in order
		wantErr string   // a part of the error, "" for none
	}{
		{"merged in order, types put in", fstest.MapFS{"s/002_b.sql": file("CREATE TABLE b (id {text}, n {int}, at {time}, body {json}, raw {blob})")}, types,
			[]string{"001_a.sql: CREATE TABLE a (x {text})", "002_b.sql: CREATE TABLE b (id T, n I, at TS, body J, raw B)", "003_c.sql: c"}, ""},
		{"no shared", fstest.MapFS{}, types, []string{"001_a.sql: CREATE TABLE a (x {text})", "003_c.sql: c"}, ""},
		{"a number of the back-end's own", fstest.MapFS{"s/003_d.sql": file("d")}, types, nil, "share a number"},
		{"unknown placeholder", fstest.MapFS{"s/002_b.sql": file("CREATE TABLE b (x {uuid})")}, types, nil, "unknown column type {uuid}"},
		{"a type without a name", fstest.MapFS{}, ColumnTypes{Text: "T"}, nil, "every column type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := mergeMigrations(own, "own", tt.shared, "s", tt.types)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("mergeMigrations() error = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Name+": "+m.SQL)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("mergeMigrations() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSharedMigrations checks that every migration written once for both
// back-ends fills with each one's column types.
func TestSharedMigrations(t *testing.T) {
	ms, err := LoadMigrations(sharedFS, "migrations")
	if err != nil || len(ms) == 0 {
		t.Fatalf("shared migrations: %d, %v", len(ms), err)
	}
	for _, types := range []ColumnTypes{{"TEXT", "INTEGER", "INTEGER", "TEXT", "BLOB"}, {"text", "integer", "timestamptz", "jsonb", "bytea"}} {
		got, err := Migrations(fstest.MapFS{}, "none", types)
		if err != nil || len(got) != len(ms) {
			t.Errorf("Migrations(%v) = %d, %v; want %d", types, len(got), err, len(ms))
		}
	}
}
