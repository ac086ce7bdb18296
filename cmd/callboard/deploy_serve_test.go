package main

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// k8sDocs parses every YAML document of deploy/k8s and its folders by
// kind/name (kustomization.yaml files aside: see kustomization).
func k8sDocs(t *testing.T) map[string]map[string]any {
	t.Helper()
	var files []string
	filepath.WalkDir("../../deploy/k8s", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") && d.Name() != "kustomization.yaml" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no manifests in deploy/k8s")
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if doc == nil {
				continue
			}
			kind, _ := doc["kind"].(string)
			name, _ := dig(doc, "metadata", "name").(string)
			if kind == "" || doc["apiVersion"] == nil {
				t.Fatalf("%s: a document without kind or apiVersion", f)
			}
			out[kind+"/"+name] = doc
		}
	}
	return out
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestKubernetesManifestsRunSeveralReplicasSafely(t *testing.T) {
	docs := k8sDocs(t)
	dep := docs["Deployment/callboard"]
	c := dig(dep, "spec", "template", "spec", "containers", 0)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"three replicas", dig(dep, "spec", "replicas"), 3},
		{"liveness on /healthz", dig(c, "livenessProbe", "httpGet", "path"), "/healthz"},
		{"readiness on /readyz", dig(c, "readinessProbe", "httpGet", "path"), "/readyz"},
		{"secrets from the Secret", dig(c, "envFrom", 0, "secretRef", "name"), "callboard"},
		{"non-root", dig(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot"), true},
		{"memory limit", dig(c, "resources", "limits", "memory"), "512Mi"},
		{"cpu request", dig(c, "resources", "requests", "cpu"), "100m"},
		{"service targets the port", dig(docs["Service/callboard"], "spec", "ports", 0, "targetPort"), "http"},
		{"disruption budget", dig(docs["PodDisruptionBudget/callboard"], "spec", "minAvailable"), 2},
		{"redis", dig(docs["StatefulSet/callboard-redis"], "kind"), "StatefulSet"},
		{"discord registration", dig(docs["Job/callboard-discord-register"], "spec", "template", "spec", "containers", 0, "args", 1), "register"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	grace, _ := dig(dep, "spec", "template", "spec", "terminationGracePeriodSeconds").(int)
	cfgText, _ := dig(docs["ConfigMap/callboard"], "data", "callboard.yaml").(string)
	p := filepath.Join(t.TempDir(), "callboard.yaml")
	os.WriteFile(p, []byte(cfgText), 0o600)
	cfg, err := LoadConfig(p, envOf(map[string]string{"SLACK_SIGNING_SECRET": "x"}))
	if err != nil {
		t.Fatalf("the ConfigMap's callboard.yaml is invalid: %v", err)
	}
	if float64(grace) <= cfg.Server.ShutdownTimeout.Seconds() {
		t.Errorf("terminationGracePeriodSeconds %d must exceed server.shutdown_timeout %s", grace, cfg.Server.ShutdownTimeout)
	}
	if cfg.Server.Addr != ":8080" {
		t.Errorf("the pod must listen on all interfaces, got %q", cfg.Server.Addr)
	}
}

func TestDockerfileBuildsStaticNonRootImage(t *testing.T) {
	b, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, w := range []string{"CGO_ENABLED=0", "AS build", "COPY --from=build", "USER 65532", "distroless/static", "./cmd/callboard"} {
		if !strings.Contains(s, w) {
			t.Errorf("Dockerfile lacks %q", w)
		}
	}
}
