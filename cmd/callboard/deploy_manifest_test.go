package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// No cluster or Docker engine runs in the tests: these read deploy/ as
// Kubernetes and Docker would and assert what makes a fresh install start.

// kustomization reads deploy/k8s/DIR/kustomization.yaml.
func kustomization(t *testing.T, dir string) (resources []string, images map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../deploy/k8s", dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name string `yaml:"name"`
		} `yaml:"images"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	images = map[string]bool{}
	for _, im := range k.Images {
		images[im.Name] = true
	}
	return k.Resources, images
}

// imageName is an image reference without its tag or digest.
func imageName(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// podEnv is the environment Kubernetes gives container c when the named
// Secrets exist with the given keys, or the reason the container would not
// start (CreateContainerConfigError: a required Secret or key is missing).
func podEnv(c any, secrets map[string]map[string]string) (map[string]string, error) {
	env := map[string]string{}
	from, _ := dig(c, "envFrom").([]any)
	for _, f := range from {
		name, _ := dig(f, "secretRef", "name").(string)
		optional, _ := dig(f, "secretRef", "optional").(bool)
		s, ok := secrets[name]
		if !ok && !optional {
			return nil, fmt.Errorf("envFrom: Secret %q is required", name)
		}
		for k, v := range s {
			env[k] = v
		}
	}
	list, _ := dig(c, "env").([]any)
	for _, e := range list {
		name, _ := dig(e, "name").(string)
		if v, ok := dig(e, "value").(string); ok {
			env[name] = v
			continue
		}
		ref := dig(e, "valueFrom", "secretKeyRef")
		if ref == nil {
			return nil, fmt.Errorf("env %s: only value and secretKeyRef are modelled", name)
		}
		sec, _ := dig(ref, "name").(string)
		key, _ := dig(ref, "key").(string)
		optional, _ := dig(ref, "optional").(bool)
		v, ok := secrets[sec][key]
		switch {
		case ok:
			env[name] = v
		case !optional:
			return nil, fmt.Errorf("env %s: Secret %s key %s is required", name, sec, key)
		}
	}
	return env, nil
}

// alwaysMounted are the mount paths of c whose volume always exists: a
// ConfigMap or a Secret that is not optional.
func alwaysMounted(pod, c any) []string {
	always := map[string]bool{}
	vols, _ := dig(pod, "volumes").([]any)
	for _, v := range vols {
		name, _ := dig(v, "name").(string)
		optional, _ := dig(v, "secret", "optional").(bool)
		always[name] = dig(v, "configMap") != nil || (dig(v, "secret") != nil && !optional)
	}
	var out []string
	mounts, _ := dig(c, "volumeMounts").([]any)
	for _, m := range mounts {
		if name, _ := dig(m, "name").(string); always[name] {
			out = append(out, dig(m, "mountPath").(string))
		}
	}
	return out
}

func under(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || strings.HasPrefix(p, dir+"/")
}

func testRSAKey(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// TestDeploymentStartsWithATokenOrAnApp builds the server container's
// environment as Kubernetes would for a token-only install and for a GitHub
// App install, and checks the ConfigMap's callboard.yaml with it as
// `serve` does at start: both must start.
func TestDeploymentStartsWithATokenOrAnApp(t *testing.T) {
	docs := k8sDocs(t)
	dep := docs["Deployment/callboard"]
	pod := dig(dep, "spec", "template", "spec")
	c := dig(pod, "containers", 0)
	args, _ := dig(c, "args").([]any)
	cfgPath := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--config" {
			cfgPath, _ = args[i+1].(string)
		}
	}
	if cfgPath == "" {
		t.Fatalf("the Deployment runs %v without --config", args)
	}
	mounted := alwaysMounted(pod, c)
	if !slices.ContainsFunc(mounted, func(m string) bool { return under(cfgPath, m) }) {
		t.Fatalf("--config %s is not on an always-present mount %v", cfgPath, mounted)
	}
	cfgText, _ := dig(docs["ConfigMap/callboard"], "data", path.Base(cfgPath)).(string)
	if cfgText == "" {
		t.Fatalf("the ConfigMap has no %s", path.Base(cfgPath))
	}
	file := filepath.Join(t.TempDir(), "callboard.yaml")
	os.WriteFile(file, []byte(cfgText), 0o600)

	installs := []struct {
		name    string
		secrets map[string]map[string]string
	}{
		{"token only", map[string]map[string]string{"callboard": {"GITHUB_TOKEN": "ghp_x", "SLACK_SIGNING_SECRET": "s"}}},
		{"GitHub App", map[string]map[string]string{
			"callboard":            {"GITHUB_APP_ID": "12", "GITHUB_APP_INSTALLATION_ID": "34", "SLACK_SIGNING_SECRET": "s"},
			"callboard-github-app": {"private-key.pem": testRSAKey(t)},
		}},
	}
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			env, err := podEnv(c, in.secrets)
			if err != nil {
				t.Fatalf("the container would not start: %v", err)
			}
			// A *_FILE variable naming a file that only an optional
			// Secret provides breaks every install without that Secret.
			for k, v := range env {
				if strings.HasSuffix(k, "_FILE") && !slices.ContainsFunc(mounted, func(m string) bool { return under(v, m) }) {
					t.Errorf("%s=%s is not on an always-present mount %v", k, v, mounted)
				}
			}
			if _, err := CheckConfig(file, func(k string) string { return env[k] }); err != nil {
				t.Fatalf("serve would refuse to start:\n%v", err)
			}
		})
	}
}

// Mounts inside one another hide files (a Secret inside the ConfigMap's
// read-only mount cannot even be created by the kubelet).
func TestManifestMountsAreNotNested(t *testing.T) {
	for name, doc := range k8sDocs(t) {
		containers, _ := dig(doc, "spec", "template", "spec", "containers").([]any)
		for _, c := range containers {
			mounts, _ := dig(c, "volumeMounts").([]any)
			for i, a := range mounts {
				for j, b := range mounts {
					pa, _ := dig(a, "mountPath").(string)
					pb, _ := dig(b, "mountPath").(string)
					if i != j && under(pa, pb) {
						t.Errorf("%s: mount %s is inside mount %s", name, pa, pb)
					}
				}
			}
		}
	}
}

// The image is overridable with kustomize's images:, and apply -k applies
// every manifest of deploy/k8s but the example Secret and the one-off Job.
func TestManifestImagesAreOverridable(t *testing.T) {
	docs := k8sDocs(t)
	for _, tt := range []struct{ dir, doc string }{{"", "Deployment/callboard"}, {"discord-register", "Job/callboard-discord-register"}} {
		resources, images := kustomization(t, tt.dir)
		containers, _ := dig(docs[tt.doc], "spec", "template", "spec", "containers").([]any)
		if len(containers) == 0 {
			t.Fatalf("%s has no containers", tt.doc)
		}
		for _, c := range containers {
			ref, _ := dig(c, "image").(string)
			if !images[imageName(ref)] {
				t.Errorf("%s: image %s is not in deploy/k8s/%s/kustomization.yaml images: %v", tt.doc, ref, tt.dir, images)
			}
		}
		for _, r := range resources {
			if _, err := os.Stat(filepath.Join("../../deploy/k8s", tt.dir, r)); err != nil {
				t.Errorf("kustomization %q lists %s: %v", tt.dir, r, err)
			}
		}
	}
	resources, _ := kustomization(t, "")
	top, _ := filepath.Glob("../../deploy/k8s/*.yaml")
	for _, f := range top {
		base := filepath.Base(f)
		if base == "kustomization.yaml" || base == "secret.example.yaml" {
			continue
		}
		if !slices.Contains(resources, base) {
			t.Errorf("kubectl apply -k deploy/k8s leaves out %s", base)
		}
	}
}

// kubectl apply needs a name (generateName is for create), and a Job's pod
// template cannot change in place: a finished registration Job must go
// away by itself so that the next release's apply runs it again.
func TestDiscordRegistrationJobIsReappliable(t *testing.T) {
	job := k8sDocs(t)["Job/callboard-discord-register"]
	if job == nil {
		t.Fatal("no Job/callboard-discord-register")
	}
	if dig(job, "metadata", "generateName") != nil {
		t.Error("generateName: kubectl apply refuses it")
	}
	ttl, ok := dig(job, "spec", "ttlSecondsAfterFinished").(int)
	if !ok || ttl <= 0 || ttl > 3600 {
		t.Errorf("ttlSecondsAfterFinished = %v: want a finished Job deleted within the hour", dig(job, "spec", "ttlSecondsAfterFinished"))
	}
	if dig(job, "spec", "template", "spec", "restartPolicy") != "Never" {
		t.Error("restartPolicy must be Never (or OnFailure) for a Job")
	}
	resources, _ := kustomization(t, "")
	for _, r := range resources {
		if strings.Contains(r, "discord-register") {
			t.Errorf("apply -k deploy/k8s would register commands on every apply: %s", r)
		}
	}
}

var goLine = regexp.MustCompile(`(?m)^go (\d+)\.(\d+)(?:\.(\d+))?\s*$`)
var fromGolang = regexp.MustCompile(`(?m)^FROM golang:(\d+)\.(\d+)(?:\.(\d+))?\S* AS build`)

func versionOf(m []string) [3]int {
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v
}

// The image builds with the Go go.mod asks for, listens on a reachable
// address by default and starts with environment variables alone.
func TestDockerImageBuildsWithGoModsGoAndListensOnAllInterfaces(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(df)
	want, got := goLine.FindStringSubmatch(string(gomod)), fromGolang.FindStringSubmatch(s)
	if want == nil || got == nil {
		t.Fatalf("go.mod go line %v, Dockerfile FROM golang %v", want, got)
	}
	if w, g := versionOf(want), versionOf(got); slices.Compare(g[:], w[:]) < 0 {
		t.Errorf("the build stage has Go %v, go.mod needs %v", g, w)
	}
	if !strings.Contains(s, "GOTOOLCHAIN=local") {
		t.Error("the build stage should not download a toolchain: GOTOOLCHAIN=local")
	}

	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^ENV (\w+)=(\S+)`).FindAllStringSubmatch(s, -1) {
		env[m[1]] = m[2]
	}
	var cmd []string
	if m := regexp.MustCompile(`(?m)^CMD (\[.*\])`).FindStringSubmatch(s); m == nil || json.Unmarshal([]byte(m[1]), &cmd) != nil {
		t.Fatalf("no exec-form CMD in the Dockerfile")
	}
	if len(cmd) == 0 || cmd[0] != "serve" || slices.Contains(cmd, "--config") {
		t.Errorf("CMD %v: want serve with no config file (none is in the image)", cmd)
	}
	cfg, err := CheckConfig("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the image's defaults do not load: %v", err)
	}
	host, port, _ := net.SplitHostPort(cfg.Server.Addr)
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		t.Errorf("inside the image serve listens on %s: unreachable through a published port", cfg.Server.Addr)
	}
	if !regexp.MustCompile(`(?m)^EXPOSE ` + port + `\b`).MatchString(s) {
		t.Errorf("serve listens on port %s, the image exposes another", port)
	}

	// The pods listen where the Service and probes look.
	docs := k8sDocs(t)
	cfgText, _ := dig(docs["ConfigMap/callboard"], "data", "callboard.yaml").(string)
	var kc struct {
		Server struct {
			Addr string `yaml:"addr"`
		} `yaml:"server"`
	}
	yaml.Unmarshal([]byte(cfgText), &kc)
	_, kport, _ := net.SplitHostPort(kc.Server.Addr)
	if cp := dig(docs["Deployment/callboard"], "spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"); fmt.Sprint(cp) != kport {
		t.Errorf("containerPort %v, server.addr %s", cp, kc.Server.Addr)
	}

	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(".dockerignore: ", err)
	}
	for _, w := range []string{".git", "**/testdata"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), w) {
			t.Errorf(".dockerignore does not leave out %s", w)
		}
	}
	readme, _ := os.ReadFile("../../README.md")
	if !regexp.MustCompile(`docker run [^\n]*-p 8080:8080[^\n]*`).Match(readme) {
		t.Error("README.md gives no docker run line publishing port 8080")
	}
}
