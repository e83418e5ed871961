package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cc-l2/provisioner/internal/config"
)

func (a *app) unknownCommand(name string) error {
	fmt.Fprintf(a.stderr, "starter: unknown command %q (see starter -h)\n", name)
	return exitCode(exitUsage)
}

// writeUsage prints the overall help.
func (a *app) writeUsage(w io.Writer, commands []*cobra.Command) error {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  starter %s\n", c.Use)
	}
	b.WriteString("\n" + usageAbout + "\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s  %s\n", c.Name(), c.Short)
	}
	b.WriteString("\nRun \"starter COMMAND -h\" for a command's flags.\n\n" + usageConnection + "\n\n" + usageExit + "\n\nEnvironment:\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	cfg := defaults()
	vars, err := config.Variables(&cfg)
	if err != nil {
		return err
	}
	return config.WriteVariables(w, vars)
}

// writeCommandUsage prints one command's help and flags.
func (a *app) writeCommandUsage(w io.Writer, c *cobra.Command) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: starter %s\n\n%s\n", c.Use, c.Long)
	first := true
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		if first {
			b.WriteString("\nFlags:\n")
			first = false
		}
		name := "--" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + ", " + name
		}
		if f.Value.Type() != "bool" {
			name += " " + f.Value.Type()
		}
		fmt.Fprintf(&b, "  %s\n        %s\n", name, f.Usage)
	})
	b.WriteString("\nEnvironment: see starter -h.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// usageError reports a bad command line.
func (a *app) usageError(c *cobra.Command, msg string) error {
	fmt.Fprintf(a.stderr, "starter %s: %s\nUsage: starter %s (see starter %s -h)\n", c.Name(), msg, c.Use, c.Name())
	return exitCode(exitUsage)
}

// flagErrorText words a flag error as the starter always has (the flag
// package's words), whichever parser found it.
func flagErrorText(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		return "flag provided but not defined: -" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: --"); ok {
		return "flag needs an argument: -" + name
	}
	return msg
}

// longFlagsWithOneDash lets long flags keep the single dash the starter has
// always taken (-json as well as --json): pflag would read -json as -j -s
// -o -n.
func longFlagsWithOneDash(root *cobra.Command, args []string) []string {
	long := map[string]bool{"help": true}
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { long[f.Name] = true })
		for _, sub := range c.Commands() {
			collect(sub)
		}
	}
	collect(root)
	out := make([]string, len(args))
	for i, arg := range args {
		out[i] = arg
		if arg == "--" {
			copy(out[i:], args[i:])
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(arg, "-"), "=")
		if strings.HasPrefix(arg, "-") && !strings.HasPrefix(arg, "--") && len(name) > 1 && long[name] {
			out[i] = "-" + arg
		}
	}
	return out
}
