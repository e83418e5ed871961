package main

// Checks of the Docker deployment files at the repository root
// (docker-compose.yml, docker-compose.demo.yml, .env.example, Dockerfile,
// .dockerignore) against the worker's Config, so the deployment cannot drift
// from the variables the worker actually reads. Nothing here needs Docker:
// compose files are loaded with compose-go, the library docker compose uses.

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// repoRoot is where the deployment files live, relative to this package.
const repoRoot = "../.."

// configEnvNames collects the variable names the worker reads: every `env`
// struct tag of Config, through nested and embedded structs (honouring
// envPrefix), with options such as ",required" cut off.
func configEnvNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
			name = strings.TrimSpace(name)
			switch {
			case name == "-":
			case name != "":
				names[prefix+name] = true
			default:
				walk(f.Type, prefix+f.Tag.Get("envPrefix"))
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	if len(names) == 0 {
		t.Fatal("Config has no env tags")
	}
	return names
}

// readEnvExample parses .env.example the way docker compose parses .env.
func readEnvExample(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vars, err := dotenv.ParseWithLookup(f, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("parsing .env.example: %v", err)
	}
	return vars
}

// loadCompose loads the given compose files the way
// `cp .env.example .env && docker compose -f ... --profile ... config` would:
// in a scratch copy of the deployment files, with .env.example as .env and
// without the caller's shell environment, so a developer's own .env or
// exported variables cannot change the result.
func loadCompose(t *testing.T, profiles []string, files ...string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(filepath.Join(repoRoot, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(".env.example", ".env")
	copyFile("Dockerfile", "Dockerfile")
	paths := make([]string, len(files))
	for i, f := range files {
		copyFile(f, f)
		paths[i] = filepath.Join(dir, f)
	}

	opts, err := cli.NewProjectOptions(paths,
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(filepath.Join(dir, ".env")),
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("loading %v with profiles %v: %v", files, profiles, err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("service %q is not enabled; enabled: %v, disabled: %v", name, p.ServiceNames(), p.DisabledServiceNames())
	}
	return s
}

func envValue(t *testing.T, s types.ServiceConfig, key string) string {
	t.Helper()
	v, ok := s.Environment[key]
	if !ok || v == nil {
		t.Fatalf("service %s does not set %s", s.Name, key)
	}
	return *v
}

// workerServices are the services that run the worker binary: the image's
// default entrypoint, built from the repository's Dockerfile.
func workerServices(p *types.Project) []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, s := range p.Services {
		if s.Build != nil && len(s.Entrypoint) == 0 {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// checkWorkerEnv fails for every variable a worker service sets that the
// worker does not read (a typo, or a name Config has since renamed).
func checkWorkerEnv(t *testing.T, p *types.Project) {
	t.Helper()
	known := configEnvNames(t)
	workers := workerServices(p)
	if len(workers) == 0 {
		t.Fatal("no worker service (built from the Dockerfile, default entrypoint)")
	}
	for _, s := range workers {
		if len(s.Environment) == 0 {
			t.Errorf("service %s sets no environment", s.Name)
		}
		for key := range s.Environment {
			if !known[key] {
				t.Errorf("service %s sets %s, which the worker's Config does not read", s.Name, key)
			}
		}
	}
}

// digestRef matches an image reference pinned by digest.
var digestRef = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

func checkPinned(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	if s.Image == "" {
		if s.Build == nil {
			t.Errorf("service %s has neither image nor build", s.Name)
		}
		return // built locally from the Dockerfile, checked by TestDockerfile
	}
	if digestRef.MatchString(s.Image) {
		return
	}
	name := s.Image[strings.LastIndex(s.Image, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	switch {
	case !ok || tag == "":
		t.Errorf("service %s: image %q has no tag (means latest)", s.Name, s.Image)
	case tag == "latest" || strings.Contains(tag, "$"):
		t.Errorf("service %s: image %q is not pinned", s.Name, s.Image)
	}
}

func TestComposeDemoProfile(t *testing.T) {
	p := loadCompose(t, []string{"demo"}, "docker-compose.yml")

	for _, name := range []string{
		"postgresql", "temporal-schema", "temporal", "temporal-namespace",
		"temporal-ui", "worker", "ccapi-sim",
	} {
		service(t, p, name)
	}

	t.Run("worker env is what Config reads", func(t *testing.T) {
		checkWorkerEnv(t, p)
		w := service(t, p, "worker")
		// env_file .env reached the worker, and compose points it at the
		// compose Temporal service.
		if got := envValue(t, w, "TEMPORAL_ADDRESS"); got != "temporal:7233" {
			t.Errorf("worker TEMPORAL_ADDRESS = %q, want temporal:7233", got)
		}
		if got := envValue(t, w, "CC_API_TIMEOUT"); got != "30s" {
			t.Errorf("worker CC_API_TIMEOUT = %q, want 30s from .env", got)
		}
	})

	t.Run("images pinned", func(t *testing.T) {
		all := types.Services{}
		for n, s := range p.Services {
			all[n] = s
		}
		for n, s := range p.DisabledServices {
			all[n] = s
		}
		for _, s := range all {
			checkPinned(t, s)
		}
	})

	t.Run("worker waits for a healthy temporal", func(t *testing.T) {
		w := service(t, p, "worker")
		dep, ok := w.DependsOn["temporal"]
		if !ok {
			t.Fatal("worker does not depend on temporal")
		}
		if dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("worker depends on temporal with %q, want %q", dep.Condition, types.ServiceConditionHealthy)
		}
		if w.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("worker restart = %q, want unless-stopped", w.Restart)
		}
		hc := service(t, p, "temporal").HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) == 0 {
			t.Error("temporal has no healthcheck, so service_healthy would never be reached")
		}
		// The worker can be scaled: no fixed name, no host port.
		if w.ContainerName != "" || len(w.Ports) > 0 {
			t.Error("worker has a container_name or published ports; --scale worker=N would fail")
		}
	})

	t.Run("temporal waits for its schema", func(t *testing.T) {
		dep, ok := service(t, p, "temporal").DependsOn["temporal-schema"]
		if !ok || dep.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("temporal should wait for temporal-schema to complete successfully, got %+v", dep)
		}
		dep, ok = service(t, p, "temporal-schema").DependsOn["postgresql"]
		if !ok || dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("temporal-schema should wait for a healthy postgresql, got %+v", dep)
		}
		if hc := service(t, p, "postgresql").HealthCheck; hc == nil || hc.Disable || len(hc.Test) == 0 {
			t.Error("postgresql has no healthcheck")
		}
	})

	t.Run("database on a named volume", func(t *testing.T) {
		db := service(t, p, "postgresql")
		found := false
		for _, v := range db.Volumes {
			if v.Type != types.VolumeTypeVolume || v.Target != "/var/lib/postgresql/data" {
				continue
			}
			if _, declared := p.Volumes[v.Source]; v.Source == "" || !declared {
				t.Errorf("postgresql data is on volume %q, want a declared named volume (not an anonymous one)", v.Source)
			}
			found = true
		}
		if !found {
			t.Error("postgresql keeps /var/lib/postgresql/data on no named volume")
		}
	})

	t.Run("simulator listens for other containers", func(t *testing.T) {
		sim := service(t, p, "ccapi-sim")
		if !slices.Equal(sim.Profiles, []string{"demo"}) {
			t.Errorf("ccapi-sim profiles = %v, want [demo]", sim.Profiles)
		}
		if got := envValue(t, sim, "CCSIM_ADDR"); got != "0.0.0.0:8081" {
			t.Errorf("ccapi-sim CCSIM_ADDR = %q, want 0.0.0.0:8081", got)
		}
	})
}

func TestComposeDefaultHasNoSimulator(t *testing.T) {
	p := loadCompose(t, nil, "docker-compose.yml")
	if _, ok := p.Services["ccapi-sim"]; ok {
		t.Error("ccapi-sim runs without the demo profile")
	}
	if _, ok := p.DisabledServices["ccapi-sim"]; !ok {
		t.Error("ccapi-sim is missing from docker-compose.yml")
	}
	w := service(t, p, "worker")
	if got := envValue(t, w, "CC_API_BASE_URL"); got != "https://api.consoleconnect.com" {
		t.Errorf("worker CC_API_BASE_URL = %q, want the real API", got)
	}
	checkWorkerEnv(t, p)
}

func TestComposeDemoOverride(t *testing.T) {
	p := loadCompose(t, nil, "docker-compose.yml", "docker-compose.demo.yml")
	sim := service(t, p, "ccapi-sim") // enabled by the override alone
	w := service(t, p, "worker")
	checkWorkerEnv(t, p)

	if got := envValue(t, w, "CC_API_BASE_URL"); got != "http://ccapi-sim:8081" {
		t.Errorf("demo worker CC_API_BASE_URL = %q, want http://ccapi-sim:8081", got)
	}
	simKey := envValue(t, sim, "CCSIM_API_KEY")
	if got := envValue(t, w, "CC_API_KEY"); got != "sim-demo-key" || got != simKey {
		t.Errorf("demo worker CC_API_KEY = %q, simulator key = %q, want both sim-demo-key", got, simKey)
	}
	if _, ok := w.DependsOn["ccapi-sim"]; !ok {
		t.Error("demo worker does not depend on ccapi-sim")
	}
	if dep := w.DependsOn["temporal"]; dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("demo override lost the worker's healthy-temporal dependency: %+v", dep)
	}
	if n := len(workerServices(p)); n != 1 {
		t.Errorf("demo runs %d worker services, want 1 (two would share the task queue)", n)
	}
}

func TestEnvExampleMatchesConfig(t *testing.T) {
	known := configEnvNames(t)
	vars := readEnvExample(t)
	for name := range vars {
		if !known[name] {
			t.Errorf(".env.example sets %s, which the worker's Config does not read", name)
		}
	}
	for name := range known {
		if _, ok := vars[name]; !ok {
			t.Errorf(".env.example does not document %s", name)
		}
	}
	if v := vars["CC_API_KEY"]; v != "" {
		t.Errorf(".env.example must not carry an API key, CC_API_KEY = %q", v)
	}
}

// dockerfileInstructions returns the Dockerfile's instructions, continuation
// lines joined and comments dropped, each as [keyword, rest].
func dockerfileInstructions(t *testing.T) [][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out     [][2]string
		pending string
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && pending == "") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			pending += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line = strings.TrimSpace(pending + line)
		pending = ""
		keyword, rest, _ := strings.Cut(line, " ")
		out = append(out, [2]string{strings.ToUpper(keyword), strings.TrimSpace(rest)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?i)\blatest\b`).Match(raw) {
		t.Error("Dockerfile mentions latest")
	}

	var (
		stages     []string // names from FROM ... AS name
		lastFrom   string
		userAfter  string // last USER of the final stage
		entrypoint string
	)
	for _, ins := range dockerfileInstructions(t) {
		switch ins[0] {
		case "FROM":
			fields := strings.Fields(ins[1])
			fields = slices.DeleteFunc(fields, func(s string) bool { return strings.HasPrefix(s, "--") })
			if len(fields) == 0 {
				t.Fatalf("FROM without image: %q", ins[1])
			}
			image := fields[0]
			lastFrom, userAfter, entrypoint = image, "", ""
			if !slices.Contains(stages, image) { // not FROM an earlier stage
				name := image[strings.LastIndex(image, "/")+1:]
				if _, tag, ok := strings.Cut(name, ":"); (!ok || tag == "" || strings.Contains(tag, "$")) && !digestRef.MatchString(image) {
					t.Errorf("base image %q is not pinned to a tag or digest", image)
				}
			}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				stages = append(stages, fields[2])
			}
		case "USER":
			userAfter = ins[1]
		case "ENTRYPOINT":
			entrypoint = ins[1]
		}
	}
	if lastFrom != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("final stage is FROM %q, want gcr.io/distroless/static-debian12:nonroot", lastFrom)
	}
	if userAfter != "nonroot:nonroot" {
		t.Errorf("final stage runs as USER %q, want nonroot:nonroot", userAfter)
	}
	if !strings.Contains(entrypoint, "worker") {
		t.Errorf("final stage ENTRYPOINT %s does not run the worker", entrypoint)
	}
	for _, want := range []string{"./cmd/worker", "./cmd/ccapi-sim", "./cmd/starter", "CGO_ENABLED=0", "-trimpath"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("Dockerfile build does not mention %s", want)
		}
	}

	ignore, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	ignored := strings.Fields(string(ignore))
	for _, want := range []string{".git", ".env", "bin/", ".data/"} {
		if !slices.Contains(ignored, want) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
}

// composeDefault matches ${VAR:-default} in a compose file.
var composeDefault = regexp.MustCompile(`\$\{([A-Z0-9_]+):-([^}]*)\}`)

// `cp .env.example .env` must change nothing compose would do without it:
// each variable both give a value has the same one, and the worker's HTTP
// side listens where Prometheus on the compose network can scrape it (not
// on the container's loopback, which its health check would not notice).
func TestEnvExampleMatchesComposeDefaults(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	vars := readEnvExample(t)
	for _, m := range composeDefault.FindAllStringSubmatch(string(raw), -1) {
		name, def := m[1], m[2]
		if v, ok := vars[name]; ok && v != def {
			t.Errorf(".env.example sets %s=%s, compose's default is %q", name, v, def)
		}
	}
	w := service(t, loadCompose(t, nil, "docker-compose.yml"), "worker")
	addr := envValue(t, w, "WORKER_HTTP_ADDR")
	if host, _, _ := strings.Cut(addr, ":"); host == "127.0.0.1" || host == "localhost" || host == "[::1]" || addr == "" {
		t.Errorf("compose with .env.example: worker WORKER_HTTP_ADDR = %q, which Prometheus cannot scrape", addr)
	}
}

// The server's health check is the one Temporal's own compose files
// (temporalio/samples-server/compose) give it: the frontend's port, with
// the server bound on every interface so that localhost reaches it. The
// server image ships no temporal CLI to ask.
func TestComposeTemporalHealthCheck(t *testing.T) {
	s := service(t, loadCompose(t, nil, "docker-compose.yml"), "temporal")
	if s.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, []string{"CMD", "nc", "-z", "localhost", "7233"}) {
		t.Errorf("temporal healthcheck = %+v, want [CMD nc -z localhost 7233]", s.HealthCheck)
	}
	if got := envValue(t, s, "BIND_ON_IP"); got != "0.0.0.0" {
		t.Errorf("temporal BIND_ON_IP = %q, want 0.0.0.0 (the health check asks localhost)", got)
	}
}

// readmeAlertRules is the YAML block of alert rules in the README.
func readmeAlertRules(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\ngroups:")
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README has no ```yaml block of alert rules")
	}
	return "groups:" + block
}

// Prometheus, under the profile monitoring, scrapes every worker replica
// on the port compose gives WORKER_HTTP_ADDR, as job l2-worker (the name
// the alert rules use), with the README's alert rules loaded.
func TestComposeMonitoringProfile(t *testing.T) {
	if p := loadCompose(t, nil, "docker-compose.yml"); p.Services["prometheus"].Name != "" {
		t.Error("prometheus runs without the monitoring profile")
	}
	p := loadCompose(t, []string{"monitoring"}, "docker-compose.yml")
	prom := service(t, p, "prometheus")
	checkPinned(t, prom)
	if !slices.Contains(prom.Profiles, "monitoring") {
		t.Errorf("prometheus profiles = %v, want monitoring", prom.Profiles)
	}
	mounts := map[string]string{} // target → source, relative to the repository
	for _, v := range prom.Volumes {
		mounts[v.Target] = filepath.Base(filepath.Dir(v.Source)) + "/" + filepath.Base(v.Source)
	}
	configFile, ok := mounts["/etc/prometheus/prometheus.yml"]
	if !ok {
		t.Fatalf("prometheus mounts %v, none at /etc/prometheus/prometheus.yml", mounts)
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot, configFile))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName      string `yaml:"job_name"`
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
				Type  string   `yaml:"type"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", configFile, err)
	}
	_, workerPort, _ := strings.Cut(envValue(t, service(t, p, "worker"), "WORKER_HTTP_ADDR"), ":")
	scraped := false
	for _, sc := range cfg.ScrapeConfigs {
		for _, sd := range sc.DNSSDConfigs {
			if sc.JobName == "l2-worker" && slices.Equal(sd.Names, []string{"worker"}) && sd.Type == "A" && strconv.Itoa(sd.Port) == workerPort {
				scraped = true
			}
		}
	}
	if !scraped {
		t.Errorf("%s does not scrape every worker replica (DNS A records of worker) on port %s as job l2-worker: %+v", configFile, workerPort, cfg.ScrapeConfigs)
	}
	if len(cfg.RuleFiles) != 1 {
		t.Fatalf("%s rule_files = %v, want one", configFile, cfg.RuleFiles)
	}
	rulesFile, ok := mounts[cfg.RuleFiles[0]]
	if !ok {
		t.Fatalf("rule file %s is not mounted (mounts %v)", cfg.RuleFiles[0], mounts)
	}
	rules, err := os.ReadFile(filepath.Join(repoRoot, rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := yaml.Unmarshal(rules, &got); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	if err := yaml.Unmarshal([]byte(readmeAlertRules(t)), &want); err != nil {
		t.Fatalf("README alert rules: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s differs from the README's alert rules:\n%s", rulesFile, rules)
	}
}
