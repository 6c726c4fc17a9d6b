// Package deploy holds the deployment files (Dockerfile, Compose file,
// Kubernetes manifests, systemd unit). No container engine or cluster is
// needed to test them: these tests check their syntax and that they agree
// with each other, with docs/operations.md and with the binary's settings.
package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is the repository root, seen from this package's directory (go
// test runs in it).
const repoRoot = ".."

// knownSettings returns the only WALKTHROUGH_* names the binary reads
// (ARCHITECTURE.md, "Operations"). Scripts and deployments depend on them.
func knownSettings() []string {
	return []string{
		"WALKTHROUGH_ADDR",
		"WALKTHROUGH_DATA_DIR",
		"WALKTHROUGH_DATABASE_URL",
		"WALKTHROUGH_DEMO",
		"WALKTHROUGH_ADMIN_EMAIL",
		"WALKTHROUGH_ADMIN_PASSWORD",
		"WALKTHROUGH_BASE_URL",
		"WALKTHROUGH_LOG_LEVEL",
		"WALKTHROUGH_TRUSTED_PROXIES",
		"WALKTHROUGH_CHANGE_LOG_HORIZON",
		"WALKTHROUGH_BLOB_URL",
		"WALKTHROUGH_KEY_ENCRYPTION_KEY",
		"WALKTHROUGH_SHUTDOWN_DELAY",
		"WALKTHROUGH_READ_DATABASE_URL",
		"WALKTHROUGH_SMTP_URL",
	}
}

// secretSettings are the settings that belong in a Secret, never a ConfigMap.
func secretSettings() []string {
	return []string{"WALKTHROUGH_DATABASE_URL", "WALKTHROUGH_ADMIN_EMAIL", "WALKTHROUGH_ADMIN_PASSWORD",
		"WALKTHROUGH_KEY_ENCRYPTION_KEY", "WALKTHROUGH_READ_DATABASE_URL", "WALKTHROUGH_SMTP_URL"}
}

// settingName matches anything that looks like a setting's name.
var settingName = regexp.MustCompile(`WALKTHROUGH_[A-Z0-9_]+`)

// ---------------------------------------------------------------------------
// (a) every YAML file parses

func TestYAMLFilesParse(t *testing.T) {
	files := yamlFiles(t)
	if len(files) == 0 {
		t.Fatal("no YAML files found under deploy/")
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			docs, err := decodeDocuments(readFile(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) == 0 {
				t.Fatal("no YAML documents")
			}
			for i, doc := range docs {
				if root := doc.Content[0]; root.Kind != yaml.MappingNode {
					t.Errorf("document %d: top level is not a mapping (line %d)", i+1, root.Line)
				}
				// Decoding into values also catches keys given twice.
				var v any
				if err := doc.Decode(&v); err != nil {
					t.Errorf("document %d: %v", i+1, err)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// (b) the Compose file

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test any `yaml:"test"`
	} `yaml:"healthcheck"`
	Ports   []string `yaml:"ports"`
	Volumes []string `yaml:"volumes"`
}

func TestCompose(t *testing.T) {
	var c composeFile
	decodeOne(t, "compose.yaml", &c)

	db, ok := c.Services["db"]
	if !ok {
		t.Fatal(`no service "db"`)
	}
	app, ok := c.Services["app"]
	if !ok {
		t.Fatal(`no service "app"`)
	}

	t.Run("db", func(t *testing.T) {
		if !strings.HasPrefix(db.Image, "postgres:15") {
			t.Errorf("db image is %q, want postgres:15", db.Image)
		}
		if db.Healthcheck == nil {
			t.Fatal("db has no healthcheck")
		}
		if test := fmt.Sprint(db.Healthcheck.Test); !strings.Contains(test, "pg_isready") {
			t.Errorf("db healthcheck runs %s, want pg_isready", test)
		}
		checkNamedVolumes(t, "db", db.Volumes, c.Volumes)
	})

	t.Run("app", func(t *testing.T) {
		dep, ok := app.DependsOn["db"]
		if !ok {
			t.Fatal("app does not depend on db")
		}
		if dep.Condition != "service_healthy" {
			t.Errorf("app depends on db with condition %q, want service_healthy", dep.Condition)
		}

		// The database URL must point at the db service with its credentials.
		dbURL := app.Environment["WALKTHROUGH_DATABASE_URL"]
		u, err := url.Parse(withoutInterpolation(dbURL))
		if err != nil {
			t.Fatalf("WALKTHROUGH_DATABASE_URL %q: %v", dbURL, err)
		}
		if u.Scheme != "postgres" || u.Hostname() != "db" {
			t.Errorf("WALKTHROUGH_DATABASE_URL %q does not point at postgres://…@db", dbURL)
		}
		if want := "/" + db.Environment["POSTGRES_DB"]; u.Path != want {
			t.Errorf("WALKTHROUGH_DATABASE_URL names database %q, db creates %q", u.Path, want)
		}
		if got, want := u.User.Username(), db.Environment["POSTGRES_USER"]; got != want {
			t.Errorf("WALKTHROUGH_DATABASE_URL connects as %q, db creates %q", got, want)
		}

		for _, name := range []string{"WALKTHROUGH_ADMIN_EMAIL", "WALKTHROUGH_ADMIN_PASSWORD"} {
			required := regexp.MustCompile(`^\$\{` + name + `:\?[^}]*\}$`)
			if v := app.Environment[name]; !required.MatchString(v) {
				t.Errorf("%s is %q, want the required form ${%s:?message}", name, v, name)
			}
		}

		if !slices.ContainsFunc(app.Ports, func(p string) bool { return strings.HasSuffix(p, ":8080") }) {
			t.Errorf("app ports %v do not publish container port 8080", app.Ports)
		}
		dataDir := app.Environment["WALKTHROUGH_DATA_DIR"]
		if !slices.ContainsFunc(app.Volumes, func(v string) bool { return volumeTarget(v) == dataDir }) {
			t.Errorf("no volume is mounted on the data directory %q", dataDir)
		}
		checkNamedVolumes(t, "app", app.Volumes, c.Volumes)

		// The image is distroless: a healthcheck has nothing to run.
		if app.Healthcheck != nil {
			t.Error("app has a healthcheck, but its image has no shell or tools to run one")
		}

		if app.Build == nil {
			t.Fatal("app has no build section")
		}
		dockerfile := filepath.Join(filepath.FromSlash(app.Build.Context), filepath.FromSlash(app.Build.Dockerfile))
		if _, err := os.Stat(dockerfile); err != nil {
			t.Errorf("app builds with %s: %v", dockerfile, err)
		}
		if filepath.Clean(filepath.FromSlash(app.Build.Context)) != repoRoot {
			t.Errorf("app build context is %q, want the repository root", app.Build.Context)
		}
	})
}

// withoutInterpolation replaces Compose's ${…} expressions with a plain word,
// so that the rest of a value can be parsed.
func withoutInterpolation(s string) string {
	return regexp.MustCompile(`\$\{[^}]*\}`).ReplaceAllString(s, "x")
}

// volumeTarget returns the container path of a short-syntax volume.
func volumeTarget(v string) string {
	parts := strings.Split(v, ":")
	if len(parts) < 2 {
		return parts[0]
	}
	return parts[1]
}

// checkNamedVolumes checks that every named (not host path) volume a service
// mounts is declared at the top level.
func checkNamedVolumes(t *testing.T, service string, mounts []string, declared map[string]any) {
	t.Helper()
	for _, m := range mounts {
		source, _, ok := strings.Cut(m, ":")
		if !ok || source == "" || strings.ContainsAny(source[:1], "./~$") {
			continue
		}
		if _, ok := declared[source]; !ok {
			t.Errorf("%s mounts volume %q, which is not declared under volumes", service, source)
		}
	}
}

// ---------------------------------------------------------------------------
// (c) the Kubernetes manifests

type k8sObject struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   k8sMetadata `yaml:"metadata"`
}

type k8sMetadata struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace"`
	Labels    map[string]string `yaml:"labels"`
}

type deployment struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		Replicas int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template podTemplate `yaml:"template"`
	} `yaml:"spec"`
}

type job struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		Template podTemplate `yaml:"template"`
	} `yaml:"spec"`
}

type podTemplate struct {
	Metadata k8sMetadata `yaml:"metadata"`
	Spec     podSpec     `yaml:"spec"`
}

type podSpec struct {
	RestartPolicy   string           `yaml:"restartPolicy"`
	SecurityContext *securityContext `yaml:"securityContext"`
	Containers      []container      `yaml:"containers"`
	Volumes         []volume         `yaml:"volumes"`
}

type podDisruptionBudget struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		MinAvailable int `yaml:"minAvailable"`
		Selector     struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	} `yaml:"spec"`
}

type autoscaler struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int `yaml:"minReplicas"`
		MaxReplicas int `yaml:"maxReplicas"`
	} `yaml:"spec"`
}

type volume struct {
	Name                  string    `yaml:"name"`
	PersistentVolumeClaim *struct{} `yaml:"persistentVolumeClaim"`
	Secret                *struct {
		SecretName string `yaml:"secretName"`
	} `yaml:"secret"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext *securityContext `yaml:"securityContext"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type securityContext struct {
	RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
	ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
}

type service struct {
	k8sObject `yaml:",inline"`
	Spec      struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Port       int `yaml:"port"`
			TargetPort any `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type configMap struct {
	k8sObject `yaml:",inline"`
	Data      map[string]string `yaml:"data"`
}

type secret struct {
	k8sObject  `yaml:",inline"`
	StringData map[string]string `yaml:"stringData"`
}

type kustomization struct {
	Namespace string   `yaml:"namespace"`
	Resources []string `yaml:"resources"`
}

func TestKubernetesObjects(t *testing.T) {
	var ns k8sObject
	decodeOne(t, "kubernetes/namespace.yaml", &ns)
	if ns.Kind != "Namespace" || ns.Metadata.Name == "" {
		t.Fatalf("namespace.yaml holds a %s named %q, want a Namespace", ns.Kind, ns.Metadata.Name)
	}
	for _, name := range kubernetesManifests(t) {
		docs, err := decodeDocuments(readFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range docs {
			var obj k8sObject
			if err := doc.Decode(&obj); err != nil {
				t.Fatalf("%s, document %d: %v", name, i+1, err)
			}
			if obj.APIVersion == "" || obj.Kind == "" || obj.Metadata.Name == "" {
				t.Errorf("%s, document %d: apiVersion, kind and metadata.name are required", name, i+1)
			}
			if obj.Kind != "Namespace" && obj.Metadata.Namespace != ns.Metadata.Name {
				t.Errorf("%s: %s %q is in namespace %q, want %q", name, obj.Kind, obj.Metadata.Name, obj.Metadata.Namespace, ns.Metadata.Name)
			}
		}
	}
}

func TestKustomization(t *testing.T) {
	var k kustomization
	decodeOne(t, "kubernetes/kustomization.yaml", &k)
	var ns k8sObject
	decodeOne(t, "kubernetes/namespace.yaml", &ns)
	if k.Namespace != ns.Metadata.Name {
		t.Errorf("kustomization namespace is %q, namespace.yaml makes %q", k.Namespace, ns.Metadata.Name)
	}
	if slices.Contains(k.Resources, "secret.example.yaml") {
		t.Error("kustomization lists secret.example.yaml: the example Secret must never be applied")
	}
	var want []string
	for _, name := range kubernetesManifests(t) {
		if base := path.Base(name); base != "secret.example.yaml" {
			want = append(want, base)
		}
	}
	got := slices.Clone(k.Resources)
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources are %v, want every manifest but the example Secret: %v", got, want)
	}
}

func TestDeployment(t *testing.T) {
	var d deployment
	decodeOne(t, "kubernetes/deployment.yaml", &d)
	if d.Kind != "Deployment" {
		t.Fatalf("deployment.yaml holds a %s", d.Kind)
	}
	if d.Spec.Replicas != 3 {
		t.Errorf("replicas = %d, want 3", d.Spec.Replicas)
	}
	if !labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels) {
		t.Errorf("selector %v does not match the pod labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels)
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]

	checkProbe(t, "readiness", c.ReadinessProbe, "/readyz", c)
	checkProbe(t, "liveness", c.LivenessProbe, "/healthz", c)

	if !effective(pod.SecurityContext, c.SecurityContext, func(s *securityContext) *bool { return s.RunAsNonRoot }) {
		t.Error("runAsNonRoot is not true")
	}
	if !effective(nil, c.SecurityContext, func(s *securityContext) *bool { return s.ReadOnlyRootFilesystem }) {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
	}
	if got := append(slices.Clone(c.Command[1:]), c.Args...); !slices.Equal(got, []string{"serve"}) {
		t.Errorf("container runs %v, want serve", append(c.Command, c.Args...))
	}
	checkBinary(t, c)
	checkEnvFrom(t, c)

	// The data directory is writable and private to the pod: replicas share
	// no volume. Attachments go to a bucket, signing keys to the database.
	dataDir := configMapData(t)["WALKTHROUGH_DATA_DIR"]
	if !hasMount(c, dataDir) {
		t.Errorf("nothing is mounted on the data directory %q (the root file system is read-only)", dataDir)
	}
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil || v.Secret != nil {
			t.Errorf("volume %q is shared between replicas; they must share nothing but the database and the bucket", v.Name)
		}
	}
	if u := configMapData(t)["WALKTHROUGH_BLOB_URL"]; !strings.HasPrefix(u, "s3://") {
		t.Errorf("WALKTHROUGH_BLOB_URL is %q, want an s3:// bucket", u)
	}
	var s secret
	decodeOne(t, "kubernetes/secret.example.yaml", &s)
	if s.StringData["WALKTHROUGH_KEY_ENCRYPTION_KEY"] == "" {
		t.Error("the example Secret does not set WALKTHROUGH_KEY_ENCRYPTION_KEY, without which replicas cannot share signing keys")
	}

	var pdb podDisruptionBudget
	decodeOne(t, "kubernetes/pdb.yaml", &pdb)
	if pdb.Kind != "PodDisruptionBudget" || !labelsMatch(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels) {
		t.Errorf("pdb.yaml holds a %s whose selector %v does not match the pods", pdb.Kind, pdb.Spec.Selector.MatchLabels)
	}
	if pdb.Spec.MinAvailable < 1 || pdb.Spec.MinAvailable >= d.Spec.Replicas {
		t.Errorf("the budget keeps %d of %d replicas: a drain could never proceed, or could take every one", pdb.Spec.MinAvailable, d.Spec.Replicas)
	}
	var hpa autoscaler
	decodeOne(t, "kubernetes/hpa.yaml", &hpa)
	if hpa.Kind != "HorizontalPodAutoscaler" || hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != d.Metadata.Name {
		t.Errorf("hpa.yaml holds a %s scaling %s %q, want the Deployment %q", hpa.Kind, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name, d.Metadata.Name)
	}
	if hpa.Spec.MinReplicas != d.Spec.Replicas || hpa.Spec.MaxReplicas <= hpa.Spec.MinReplicas {
		t.Errorf("the autoscaler runs %d to %d replicas, the Deployment %d", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, d.Spec.Replicas)
	}

	var svc service
	decodeOne(t, "kubernetes/service.yaml", &svc)
	if !labelsMatch(svc.Spec.Selector, d.Spec.Template.Metadata.Labels) {
		t.Errorf("service selector %v does not match the pod labels %v", svc.Spec.Selector, d.Spec.Template.Metadata.Labels)
	}
	for _, p := range svc.Spec.Ports {
		if !hasPort(c, p.TargetPort) {
			t.Errorf("service targetPort %v is not a container port", p.TargetPort)
		}
	}
}

func TestMigrateJob(t *testing.T) {
	var j job
	decodeOne(t, "kubernetes/migrate-job.yaml", &j)
	if j.Kind != "Job" {
		t.Fatalf("migrate-job.yaml holds a %s", j.Kind)
	}
	pod := j.Spec.Template.Spec
	if pod.RestartPolicy != "Never" && pod.RestartPolicy != "OnFailure" {
		t.Errorf("restartPolicy %q is not allowed in a Job", pod.RestartPolicy)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if got := append(slices.Clone(c.Command[1:]), c.Args...); !slices.Equal(got, []string{"migrate", "up"}) {
		t.Errorf("job runs %v, want migrate up", append(c.Command, c.Args...))
	}
	checkBinary(t, c)
	checkEnvFrom(t, c)
	if !effective(pod.SecurityContext, c.SecurityContext, func(s *securityContext) *bool { return s.RunAsNonRoot }) {
		t.Error("runAsNonRoot is not true")
	}

	var d deployment
	decodeOne(t, "kubernetes/deployment.yaml", &d)
	if len(d.Spec.Template.Spec.Containers) > 0 && d.Spec.Template.Spec.Containers[0].Image != c.Image {
		t.Errorf("job image %q differs from the deployment's %q", c.Image, d.Spec.Template.Spec.Containers[0].Image)
	}
}

func TestKubernetesSettings(t *testing.T) {
	data := configMapData(t)
	for _, name := range secretSettings() {
		if _, ok := data[name]; ok {
			t.Errorf("the ConfigMap sets %s, which belongs in the Secret", name)
		}
	}
	if v := data["WALKTHROUGH_DEMO"]; v != "" && v != "true" && v != "false" {
		t.Errorf("WALKTHROUGH_DEMO is %q, want true or false", v)
	}
	if v := data["WALKTHROUGH_LOG_LEVEL"]; !slices.Contains([]string{"", "debug", "info", "warn", "error"}, v) {
		t.Errorf("WALKTHROUGH_LOG_LEVEL is %q, want debug, info, warn or error", v)
	}

	var s secret
	decodeOne(t, "kubernetes/secret.example.yaml", &s)
	if s.Kind != "Secret" {
		t.Fatalf("secret.example.yaml holds a %s", s.Kind)
	}
	for _, name := range secretSettings() {
		if _, ok := s.StringData[name]; !ok {
			t.Errorf("the example Secret does not set %s", name)
		}
	}
	for _, name := range []string{"WALKTHROUGH_DATABASE_URL", "WALKTHROUGH_ADMIN_PASSWORD"} {
		if !strings.Contains(s.StringData[name], "CHANGE-ME") {
			t.Errorf("the example Secret's %s must be an obvious placeholder (CHANGE-ME)", name)
		}
	}

	// Between them, the ConfigMap and the Secret set every setting.
	for _, name := range knownSettings() {
		_, inConfig := data[name]
		_, inSecret := s.StringData[name]
		if !inConfig && !inSecret {
			t.Errorf("%s is set neither in the ConfigMap nor in the Secret", name)
		}
	}
}

// checkProbe checks that p is an HTTP GET of path on one of c's ports.
func checkProbe(t *testing.T, kind string, p *probe, path string, c container) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("no %s HTTP probe", kind)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe path is %q, want %q", kind, p.HTTPGet.Path, path)
	}
	if !hasPort(c, p.HTTPGet.Port) {
		t.Errorf("%s probe port %v is not a container port", kind, p.HTTPGet.Port)
	}
}

// checkBinary checks that c runs the binary where the Dockerfile puts it.
func checkBinary(t *testing.T, c container) {
	t.Helper()
	want := parseDockerfile(t).binary
	if len(c.Command) == 0 || c.Command[0] != want {
		t.Errorf("container %q command is %v, want [%s …] (the Dockerfile's ENTRYPOINT)", c.Name, c.Command, want)
	}
}

// checkEnvFrom checks that c takes its settings from the ConfigMap and the
// Secret that the manifests define.
func checkEnvFrom(t *testing.T, c container) {
	t.Helper()
	var cm configMap
	decodeOne(t, "kubernetes/configmap.yaml", &cm)
	var s secret
	decodeOne(t, "kubernetes/secret.example.yaml", &s)
	var fromConfigMap, fromSecret bool
	for _, e := range c.EnvFrom {
		if e.ConfigMapRef != nil && e.ConfigMapRef.Name == cm.Metadata.Name {
			fromConfigMap = true
		}
		if e.SecretRef != nil && e.SecretRef.Name == s.Metadata.Name {
			fromSecret = true
		}
	}
	if !fromConfigMap || !fromSecret {
		t.Errorf("container %q does not take its environment from ConfigMap %q and Secret %q", c.Name, cm.Metadata.Name, s.Metadata.Name)
	}
}

func configMapData(t *testing.T) map[string]string {
	t.Helper()
	var cm configMap
	decodeOne(t, "kubernetes/configmap.yaml", &cm)
	if cm.Kind != "ConfigMap" {
		t.Fatalf("configmap.yaml holds a %s", cm.Kind)
	}
	return cm.Data
}

// effective reports whether a security setting is true for the container:
// set on the container, or else on the pod.
func effective(pod, ctr *securityContext, field func(*securityContext) *bool) bool {
	if ctr != nil && field(ctr) != nil {
		return *field(ctr)
	}
	if pod != nil && field(pod) != nil {
		return *field(pod)
	}
	return false
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func hasPort(c container, port any) bool {
	for _, p := range c.Ports {
		if fmt.Sprint(port) == p.Name || fmt.Sprint(port) == fmt.Sprint(p.ContainerPort) {
			return true
		}
	}
	return false
}

func hasMount(c container, dir string) bool {
	for _, m := range c.VolumeMounts {
		if path.Clean(m.MountPath) == path.Clean(dir) && !m.ReadOnly {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// (d) settings' names

func TestOnlyKnownSettings(t *testing.T) {
	files := []string{
		filepath.Join(repoRoot, "docs", "operations.md"),
		filepath.Join(repoRoot, ".dockerignore"),
	}
	err := filepath.WalkDir(".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Ext(name) != ".go" {
			files = append(files, name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		data := readFile(t, name)
		for i, line := range strings.Split(string(data), "\n") {
			for _, s := range settingName.FindAllString(line, -1) {
				if !slices.Contains(knownSettings(), s) {
					t.Errorf("%s:%d: unknown setting %s", name, i+1, s)
				}
			}
		}
	}
}

func TestOperationsDocumentsEverySetting(t *testing.T) {
	doc := string(readFile(t, filepath.Join(repoRoot, "docs", "operations.md")))
	for _, name := range knownSettings() {
		// A row of the configuration table starts with the setting's name.
		if !strings.Contains(doc, "| `"+name+"` |") {
			t.Errorf("docs/operations.md has no table row for %s", name)
		}
	}
	for _, cmd := range []string{"walkthrough migrate status", "walkthrough migrate up", "walkthrough migrate down", "pg_dump", "pg_restore", ".backup", "keys/", "/healthz", "/readyz", "/metrics"} {
		if !strings.Contains(doc, cmd) {
			t.Errorf("docs/operations.md does not mention %s", cmd)
		}
	}
}

// ---------------------------------------------------------------------------
// (e) the Dockerfile

type instruction struct {
	line int
	cmd  string // upper case
	args string
}

type stage struct {
	name, image  string
	instructions []instruction
}

type dockerfile struct {
	stages []stage
	binary string // the ENTRYPOINT's program
}

func TestDockerfile(t *testing.T) {
	df := parseDockerfile(t)
	if len(df.stages) < 2 {
		t.Fatalf("%d FROM stages, want a multi-stage build", len(df.stages))
	}
	images := map[string]bool{}
	names := map[string]bool{}
	for _, s := range df.stages {
		images[s.image] = true
		for _, in := range s.instructions {
			if in.cmd != "COPY" {
				continue
			}
			if from := flagValue(in.args, "--from"); from != "" && !names[from] {
				t.Errorf("line %d: COPY --from=%s names no earlier stage", in.line, from)
			}
		}
		if s.name != "" {
			names[s.name] = true
		}
	}
	for _, want := range []string{"golang:1.26-bookworm", "node:20-bookworm-slim"} {
		if !images[want] {
			t.Errorf("no stage FROM %s", want)
		}
	}

	all := allInstructions(df)
	goBuild := findRun(all, "go build")
	switch {
	case goBuild == "":
		t.Error("no RUN with go build")
	default:
		if !regexp.MustCompile(`-tags[= ]"?[\w,]*\bpwa\b`).MatchString(goBuild) {
			t.Errorf("go build without -tags pwa: %s", goBuild)
		}
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=", "./server/cmd/walkthrough"} {
			if !strings.Contains(goBuild, want) {
				t.Errorf("go build without %s: %s", want, goBuild)
			}
		}
	}
	for _, want := range []string{"npm ci", "npm run build"} {
		if findRun(all, want) == "" {
			t.Errorf("no RUN with %s", want)
		}
	}

	final := df.stages[len(df.stages)-1]
	if final.image == "golang:1.26-bookworm" || final.image == "node:20-bookworm-slim" {
		t.Errorf("the runtime stage is FROM the build image %s", final.image)
	}
	user := lastArgs(final, "USER")
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("runtime USER is %q, want a non-root user", user)
	}
	if got := lastArgs(final, "EXPOSE"); !slices.Contains(strings.Fields(got), "8080") {
		t.Errorf("EXPOSE %q, want 8080", got)
	}
	dataDir := envValue(final, "WALKTHROUGH_DATA_DIR")
	if dataDir == "" {
		t.Error("the runtime stage does not set WALKTHROUGH_DATA_DIR")
	}
	if vol := lastArgs(final, "VOLUME"); !strings.Contains(vol, dataDir) {
		t.Errorf("VOLUME %s does not hold the data directory %q", vol, dataDir)
	}
	var entrypoint, cmd []string
	if err := json.Unmarshal([]byte(lastArgs(final, "ENTRYPOINT")), &entrypoint); err != nil || len(entrypoint) == 0 {
		t.Errorf("ENTRYPOINT %q is not in exec (JSON) form: %v", lastArgs(final, "ENTRYPOINT"), err)
	}
	if c := lastArgs(final, "CMD"); c != "" {
		if err := json.Unmarshal([]byte(c), &cmd); err != nil {
			t.Errorf("CMD %q is not in exec (JSON) form: %v", c, err)
		}
	}
	if run := append(entrypoint, cmd...); len(run) < 2 || run[1] != "serve" {
		t.Errorf("the image runs %v, want the binary with serve", run)
	}
	copied := false
	for _, in := range final.instructions {
		if in.cmd == "COPY" && strings.HasSuffix(in.args, " "+df.binary) {
			copied = true
		}
	}
	if !copied {
		t.Errorf("the runtime stage does not COPY the binary to %s", df.binary)
	}
}

func TestDockerignore(t *testing.T) {
	var entries []string
	for _, line := range strings.Split(string(readFile(t, filepath.Join(repoRoot, ".dockerignore"))), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			entries = append(entries, strings.TrimPrefix(line, "**/"))
		}
	}
	for _, want := range []string{"node_modules", "pwa/dist", "data", ".git"} {
		if !slices.Contains(entries, want) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
}

// parseDockerfile reads the Dockerfile into stages of instructions, with
// continuation lines joined and comments dropped.
func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	var (
		df      dockerfile
		pending strings.Builder
		start   int
	)
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, "Dockerfile")))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if pending.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(line)
		cmd, args, _ := strings.Cut(pending.String(), " ")
		pending.Reset()
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.Join(strings.Fields(args), " ")}
		if in.cmd == "FROM" {
			var words []string
			for _, w := range strings.Fields(in.args) {
				if !strings.HasPrefix(w, "--") {
					words = append(words, w)
				}
			}
			s := stage{image: words[0]}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				s.name = words[2]
			}
			df.stages = append(df.stages, s)
			continue
		}
		if len(df.stages) == 0 {
			continue // ARG before the first FROM
		}
		last := &df.stages[len(df.stages)-1]
		last.instructions = append(last.instructions, in)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(df.stages) == 0 {
		t.Fatal("the Dockerfile has no FROM")
	}
	var entrypoint []string
	if err := json.Unmarshal([]byte(lastArgs(df.stages[len(df.stages)-1], "ENTRYPOINT")), &entrypoint); err == nil && len(entrypoint) > 0 {
		df.binary = entrypoint[0]
	}
	return df
}

func allInstructions(df dockerfile) []instruction {
	var all []instruction
	for _, s := range df.stages {
		all = append(all, s.instructions...)
	}
	return all
}

func findRun(ins []instruction, substr string) string {
	for _, in := range ins {
		if in.cmd == "RUN" && strings.Contains(in.args, substr) {
			return in.args
		}
	}
	return ""
}

func lastArgs(s stage, cmd string) string {
	var args string
	for _, in := range s.instructions {
		if in.cmd == cmd {
			args = in.args
		}
	}
	return args
}

// envValue returns the value an ENV instruction of s gives name, in either
// the "ENV a=b c=d" or the "ENV a b" form.
func envValue(s stage, name string) string {
	var value string
	for _, in := range s.instructions {
		if in.cmd != "ENV" {
			continue
		}
		if k, v, ok := strings.Cut(in.args, " "); ok && k == name && !strings.Contains(k, "=") {
			value = v
			continue
		}
		for _, w := range strings.Fields(in.args) {
			if k, v, ok := strings.Cut(w, "="); ok && k == name {
				value = strings.Trim(v, `"`)
			}
		}
	}
	return value
}

func flagValue(args, flag string) string {
	for _, w := range strings.Fields(args) {
		if v, ok := strings.CutPrefix(w, flag+"="); ok {
			return v
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// (f) the systemd unit

func TestSystemdUnit(t *testing.T) {
	unit := parseUnit(t, filepath.Join("systemd", "walkthrough.service"))
	svc := unit["Service"]

	execStart := svc["ExecStart"]
	if len(execStart) != 1 {
		t.Fatalf("ExecStart is set %d times, want once", len(execStart))
	}
	fields := strings.Fields(execStart[0])
	program := strings.TrimLeft(fields[0], "-@:+!")
	if !strings.HasPrefix(program, "/") || path.Base(program) != "walkthrough" {
		t.Errorf("ExecStart runs %q, want the absolute path of the walkthrough binary", program)
	}
	if len(fields) < 2 || fields[1] != "serve" {
		t.Errorf("ExecStart=%s does not run serve", execStart[0])
	}

	want := map[string]string{
		"EnvironmentFile": "/etc/walkthrough/env",
		"ProtectSystem":   "strict",
		"NoNewPrivileges": "yes",
		"Restart":         "on-failure",
		"StateDirectory":  "walkthrough",
	}
	for key, value := range want {
		got := svc[key]
		if len(got) == 0 || strings.TrimPrefix(got[len(got)-1], "-") != value {
			t.Errorf("%s=%v, want %s", key, got, value)
		}
	}
	if user := svc["User"]; len(svc["DynamicUser"]) == 0 && (len(user) == 0 || user[0] == "root") {
		t.Error("the service runs as root: set DynamicUser=yes or a User")
	}
	if len(unit["Install"]["WantedBy"]) == 0 {
		t.Error("no WantedBy in [Install]")
	}
}

func TestSystemdEnvExample(t *testing.T) {
	name := filepath.Join("systemd", "env.example")
	assignment := regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)=(.*)$`)
	for i, line := range strings.Split(string(readFile(t, name)), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		m := assignment.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("%s:%d: %q is not NAME=value", name, i+1, line)
			continue
		}
		if !slices.Contains(knownSettings(), m[1]) {
			t.Errorf("%s:%d: unknown setting %s", name, i+1, m[1])
		}
		if strings.Contains(m[2], " #") {
			t.Errorf("%s:%d: systemd would keep the comment as part of the value", name, i+1)
		}
	}
}

// parseUnit reads a systemd unit file into section → key → values.
func parseUnit(t *testing.T, name string) map[string]map[string][]string {
	t.Helper()
	unit := map[string]map[string][]string{}
	var section string
	for i, line := range strings.Split(string(readFile(t, name)), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			unit[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.HasSuffix(line, `\`) {
				t.Fatalf("%s:%d: cannot read %q", name, i+1, line)
			}
			key = strings.TrimSpace(key)
			unit[section][key] = append(unit[section][key], strings.TrimSpace(value))
		}
	}
	for _, s := range []string{"Unit", "Service", "Install"} {
		if _, ok := unit[s]; !ok {
			t.Fatalf("%s has no [%s] section", name, s)
		}
	}
	return unit
}

// ---------------------------------------------------------------------------
// helpers

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// yamlFiles lists every YAML file under deploy/, slash-separated.
func yamlFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(name); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, filepath.ToSlash(name))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// kubernetesManifests lists the YAML files in kubernetes/ except the
// kustomization itself.
func kubernetesManifests(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, name := range yamlFiles(t) {
		if path.Dir(name) == "kubernetes" && path.Base(name) != "kustomization.yaml" {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		t.Fatal("no Kubernetes manifests")
	}
	return files
}

// decodeDocuments parses every document of a YAML stream; empty documents
// (a stray "---") are skipped.
func decodeDocuments(data []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		if len(doc.Content) > 0 {
			docs = append(docs, &doc)
		}
	}
}

// decodeOne decodes a file that must hold exactly one YAML document into v.
func decodeOne(t *testing.T, name string, v any) {
	t.Helper()
	docs, err := decodeDocuments(readFile(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(docs) != 1 {
		t.Fatalf("%s: %d YAML documents, want 1", name, len(docs))
	}
	if err := docs[0].Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
