package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"bonafide"
)

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIMatchesRoutes fails when the mux serves a route the document
// lacks, or the document names an operation the mux does not serve.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	s := NewServer(nil, slog.New(slog.DiscardHandler))
	mux := s.mux()

	// Every route the mux serves is in the document.
	for _, rt := range s.routes() {
		if _, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]; !ok {
			t.Errorf("route %q is not in openapi.json", rt.pattern())
		}
	}
	// Every operation in the document reaches its own route in the mux.
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			if !slices.Contains(httpMethods, method) {
				continue // parameters, summary, ...
			}
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(ops)
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		req := httptest.NewRequest(method, strings.ReplaceAll(path, "{id}", "REF-1"), nil)
		if _, pattern := mux.Handler(req); pattern != op {
			t.Errorf("openapi.json names %q, but the mux routes it to %q", op, pattern)
		}
	}
	if len(ops) != len(s.routes()) {
		t.Errorf("openapi.json has %d operations, routes() %d", len(ops), len(s.routes()))
	}
}

// TestOpenAPIEnums keeps the document's enums equal to the domain's lists,
// so that the document stays accurate when the format gains a value.
func TestOpenAPIEnums(t *testing.T) {
	doc := loadOpenAPI(t)
	tests := []struct {
		schema, property string
		want             []string
	}{
		{"Referral", "channel", strs(bonafide.Channels)},
		{"Referral", "knowledge_basis", strs(bonafide.KnowledgeBases)},
		{"Reporter", "relationship", strs(bonafide.Relationships)},
		{"Person", "role", strs(bonafide.PersonRoles)},
		{"Concern", "category", strs(bonafide.ConcernCategories)},
	}
	for _, tt := range tests {
		t.Run(tt.schema+"."+tt.property, func(t *testing.T) {
			got := doc.Components.Schemas[tt.schema].Properties[tt.property].Enum
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("openapi %s.%s enum = %q, want %q", tt.schema, tt.property, got, tt.want)
			}
		})
	}
}

func strs[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}
