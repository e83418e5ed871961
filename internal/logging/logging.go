// Package logging builds the zap loggers of the worker and the starter and
// adapts them to the Temporal SDK's logger interface, so that SDK lines and
// our own lines come out in one format on one stream.
package logging

import (
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Levels and formats that operators may configure. zap knows more levels
// (dpanic, panic, fatal) but those would make a log call end the process.
var (
	levels  = []string{"debug", "info", "warn", "error"}
	formats = []string{"json", "console"}
)

// ParseLevel reads one of debug, info, warn or error.
func ParseLevel(level string) (zapcore.Level, error) {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "debug":
		return zapcore.DebugLevel, nil
	case "info":
		return zapcore.InfoLevel, nil
	case "warn":
		return zapcore.WarnLevel, nil
	case "error":
		return zapcore.ErrorLevel, nil
	}
	return 0, fmt.Errorf("invalid log level %q: want one of %s", level, strings.Join(levels, ", "))
}

// CheckFormat accepts json or console.
func CheckFormat(format string) error {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "json", "console":
		return nil
	}
	return fmt.Errorf("invalid log format %q: want one of %s", format, strings.Join(formats, ", "))
}

// New returns a logger writing to standard error at level (debug, info,
// warn, error) in format (json, console).
func New(level, format string) (*zap.Logger, error) {
	return NewTo(os.Stderr, level, format)
}

// NewTo is New writing to w instead of standard error. Writes are
// serialized, so w need not be safe for concurrent use.
func NewTo(w io.Writer, level, format string) (*zap.Logger, error) {
	lvl, levelErr := ParseLevel(level)
	formatErr := CheckFormat(format)
	if levelErr != nil || formatErr != nil {
		// Report both at once: an operator fixing one should not then
		// discover the other.
		var msgs []string
		for _, err := range []error{levelErr, formatErr} {
			if err != nil {
				msgs = append(msgs, err.Error())
			}
		}
		return nil, fmt.Errorf("logging: %s", strings.Join(msgs, "; "))
	}

	var encoder zapcore.Encoder
	if strings.EqualFold(strings.TrimSpace(format), "console") {
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		encoder = zapcore.NewConsoleEncoder(cfg)
	} else {
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		encoder = zapcore.NewJSONEncoder(cfg)
	}
	core := zapcore.NewCore(encoder, zapcore.Lock(zapcore.AddSync(w)), lvl)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(w)))), nil
}

// Problems checks LOG_LEVEL and LOG_FORMAT values, in the configuration
// error style of the binaries.
func Problems(level, format string) []string {
	var problems []string
	if _, err := ParseLevel(level); err != nil {
		problems = append(problems, "LOG_LEVEL: "+err.Error())
	}
	if err := CheckFormat(format); err != nil {
		problems = append(problems, "LOG_FORMAT: "+err.Error())
	}
	return problems
}
