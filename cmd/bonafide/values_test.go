package main

import (
	"strings"
	"testing"
)

// TestUnknownValuesListed gives each command-line value that has a fixed
// set of valid ones something else: the error lists the valid ones.
func TestUnknownValuesListed(t *testing.T) {
	dir := t.TempDir()
	tc := writeFile(t, dir, "triage.json", `{"treshold":0.5}`)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"log level", nil, []string{"migrate", "--log-level", "loud"}, `log level "loud": want debug, info, warn or error`},
		{"log format", nil, []string{"export", "--log-format", "xml"}, `log format "xml": want json or text`},
		{"bool from env", map[string]string{"BONAFIDE_TLS": "maybe"}, []string{"serve"}, `BONAFIDE_TLS="maybe": not a valid value for --tls: want true or false`},
		{"int from env", map[string]string{"BONAFIDE_SYNTH_FAMILIES": "many"}, []string{"synth"}, "want a whole number"},
		{"duration from env", map[string]string{"BONAFIDE_SHUTDOWN_TIMEOUT": "soon"}, []string{"serve"}, "want a duration such as 30s"},
		{"triage setting", nil, []string{"triage", "--config", tc}, `unknown setting "treshold" (want one of burst_window, forum_window, history_window, life_event_window, model, post_window, relay_window, restate_window, threshold)`},
		{"link progress", nil, []string{"link", "--config", tc, "--progress", "loud", "a.csv"}, `--progress "loud": want auto, on or off`},
		{"audit subcommand", nil, []string{"audit", "prov"}, "want verify, prove, check-proof, checkpoint, witness or witness-key"},
		{"keys subcommand", nil, []string{"keys", "make"}, "want generate or rotate"},
		{"benchmark", nil, []string{"bench", "outtake"}, "want a benchmark name: intake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.env, "", tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("bonafide %s = exit %d, %q; want %d and %q", strings.Join(tt.args, " "), code, stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestHelpHidesSecrets sets the variables of secret flags: --help does not
// print them as defaults.
func TestHelpHidesSecrets(t *testing.T) {
	const secret = "postgres://u:hunter2@db.example/x"
	env := map[string]string{"BONAFIDE_DB": secret, "BONAFIDE_BENCH_TOKEN": "bfk_hunter2", "BONAFIDE_TRIAGE_DB": secret}
	for _, args := range [][]string{{"migrate", "--help"}, {"serve", "--help"}, {"bench", "intake", "--help"}, {"triage", "--help"}} {
		code, _, stderr := run(t, env, "", args...)
		if code != exitOK || strings.Contains(stderr, "hunter2") {
			t.Errorf("bonafide %s = exit %d and prints a secret:\n%s", strings.Join(args, " "), code, stderr)
		}
	}
}
