package httpapi

import (
	"encoding/json"
	"fmt"
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
		{"PoliceRequest", "offence", strs(bonafide.Offences)},
		{"PoliceRequest", "officer_rank", strs(bonafide.PoliceRanks)},
		{"ReviewBody", "outcome", strs(bonafide.ReviewOutcomes)},
		{"Disclosure", "state", strs(bonafide.DisclosureStates)},
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

// TestOpenAPIResponses sends requests and checks each response against
// the document: its status is documented for the operation, with the
// schema named here, and the body has every required member of that
// schema and no member the schema lacks.
func TestOpenAPIResponses(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
		Components struct {
			Responses map[string]json.RawMessage `json:"responses"`
			Schemas   map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	// schemaOf returns the schema name a documented response refers to.
	schemaOf := func(raw json.RawMessage) string {
		var r struct {
			Ref     string `json:"$ref"`
			Content map[string]struct {
				Schema struct {
					Ref string `json:"$ref"`
				} `json:"schema"`
			} `json:"content"`
		}
		json.Unmarshal(raw, &r)
		if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
			json.Unmarshal(doc.Components.Responses[name], &r)
		}
		for _, c := range r.Content {
			return strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/")
		}
		return ""
	}

	e := newEnv(t, nil)
	bad := referral("REF-BAD")
	bad["channel"] = "fax"
	tests := []struct {
		name, method, path, contentType string
		body                            []byte
		status                          int
		schema                          string
	}{
		{"health", "GET", "/healthz", "", nil, 200, "Health"},
		{"create", "POST", "/api/v1/referrals", "application/json", mustJSON(t, referral("REF-1")), 201, "ReferralCreated"},
		{"get", "GET", "/api/v1/referrals/REF-1", "", nil, 200, "ReferralView"},
		{"invalid", "POST", "/api/v1/referrals", "application/json", mustJSON(t, bad), 400, "Problem"},
		{"conflict", "POST", "/api/v1/referrals", "application/json", mustJSON(t, referral("REF-1")), 409, "Problem"},
		{"not found", "GET", "/api/v1/referrals/REF-NONE", "", nil, 404, "Problem"},
		{"import", "POST", "/api/v1/import?skip_invalid=true", "application/x-ndjson", jsonLines(t, referral("REF-2"), bad), 200, "ImportResult"},
		{"media type", "POST", "/api/v1/import", "text/plain", nil, 415, "Problem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, tt.method, tt.path, tt.contentType, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %d, want %d; %s", tt.method, tt.path, resp.StatusCode, tt.status, body)
			}
			docPath, _, _ := strings.Cut(tt.path, "?")
			if strings.HasPrefix(docPath, "/api/v1/referrals/") {
				docPath = "/api/v1/referrals/{id}"
			}
			raw, ok := doc.Paths[docPath][strings.ToLower(tt.method)].Responses[fmt.Sprint(tt.status)]
			if !ok {
				t.Fatalf("openapi.json does not document %d for %s %s", tt.status, tt.method, docPath)
			}
			if got := schemaOf(raw); got != tt.schema {
				t.Fatalf("openapi.json: %s %s %d has schema %q, want %q", tt.method, docPath, tt.status, got, tt.schema)
			}
			schema := doc.Components.Schemas[tt.schema]
			var members map[string]json.RawMessage
			if err := json.Unmarshal(body, &members); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			for _, req := range schema.Required {
				if _, ok := members[req]; !ok {
					t.Errorf("response lacks %s member %q required by openapi.json: %s", tt.schema, req, body)
				}
			}
			for m := range members {
				if _, ok := schema.Properties[m]; !ok {
					t.Errorf("response has member %q that openapi.json's %s lacks: %s", m, tt.schema, body)
				}
			}
		})
	}
}
