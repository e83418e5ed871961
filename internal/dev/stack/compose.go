package stack

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// ComposeFile is the production deployment the stack runs without Docker.
const ComposeFile = "docker-compose.yml"

// The compose services the stack takes its steps from.
const (
	ServiceTemporal  = "temporal"
	ServiceSchema    = "temporal-schema"
	ServiceNamespace = "temporal-namespace"
)

// ContainerSchemaDir is where the admin-tools image keeps the server's
// schema files, as the schema job names them.
const ContainerSchemaDir = "/etc/temporal/schema"

// Compose is what the stack reads from docker-compose.yml: the schema and
// namespace jobs' scripts, run here as they are there (one script, two
// uses), and the temporal service's environment and mounts.
type Compose struct {
	Project *types.Project
}

// LoadCompose loads docker-compose.yml as `docker compose config` would,
// with no .env and no shell variables: their defaults.
func LoadCompose(ctx context.Context, root string) (*Compose, error) {
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, ComposeFile)},
		cli.WithWorkingDirectory(root), cli.WithName("cc-l2-provisioner"))
	if err != nil {
		return nil, err
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", ComposeFile, err)
	}
	return &Compose{Project: project}, nil
}

// Service returns one service of the file.
func (c *Compose) Service(name string) (types.ServiceConfig, error) {
	s, ok := c.Project.Services[name]
	if !ok {
		return types.ServiceConfig{}, fmt.Errorf("%s has no service %q", ComposeFile, name)
	}
	return s, nil
}

// Script is a one-shot job's shell script: the service's entrypoint must be
// `/bin/sh -ec` and its command the script.
func (c *Compose) Script(name string) (string, error) {
	s, err := c.Service(name)
	if err != nil {
		return "", err
	}
	if strings.Join(s.Entrypoint, " ") != "/bin/sh -ec" || len(s.Command) != 1 {
		return "", fmt.Errorf("%s: service %s is not a /bin/sh -ec script", ComposeFile, name)
	}
	return s.Command[0], nil
}

// Env is a service's environment as compose sets it (unset values left out).
func (c *Compose) Env(name string) (map[string]string, error) {
	s, err := c.Service(name)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env, nil
}

// ImageTag is the tag of a service's image ("1.29.1" of temporalio/server:1.29.1).
func (c *Compose) ImageTag(name string) (string, error) {
	s, err := c.Service(name)
	if err != nil {
		return "", err
	}
	i := strings.LastIndex(s.Image, ":")
	if i < 0 || strings.Contains(s.Image[i:], "/") {
		return "", fmt.Errorf("%s: service %s's image %q has no tag", ComposeFile, name, s.Image)
	}
	return s.Image[i+1:], nil
}

// Mount returns the host file a service mounts at target, as an absolute
// path.
func (c *Compose) Mount(name, target string) (string, error) {
	s, err := c.Service(name)
	if err != nil {
		return "", err
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Target == target {
			return v.Source, nil
		}
	}
	return "", fmt.Errorf("%s: service %s mounts nothing at %s", ComposeFile, name, target)
}

// OnFailureRetries is how often Docker restarts a failed one-shot job: N
// of its `restart: on-failure:N` (0 without one).
func (c *Compose) OnFailureRetries(name string) (int, error) {
	s, err := c.Service(name)
	if err != nil {
		return 0, err
	}
	n, ok := strings.CutPrefix(s.Restart, "on-failure:")
	if !ok {
		return 0, nil
	}
	retries, err := strconv.Atoi(n)
	if err != nil {
		return 0, fmt.Errorf("%s: service %s: restart %q: %w", ComposeFile, name, s.Restart, err)
	}
	return retries, nil
}
