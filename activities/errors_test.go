package activities

import (
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"
)

// A failure recorded under a former name is still its type: histories
// written by earlier workers keep the old names.
func TestIsType(t *testing.T) {
	tests := []struct {
		recorded string
		errType  string
		want     bool
	}{
		{ErrTypeAPIUnavailable, ErrTypeAPIUnavailable, true},
		{"CCAPIUnavailable", ErrTypeAPIUnavailable, true},
		{ErrTypeOutcomeUnknown, ErrTypeOutcomeUnknown, true},
		{"PutOutcomeUnknown", ErrTypeOutcomeUnknown, true},
		{ErrTypeAPIRejected, ErrTypeAPIRejected, true},
		{ErrTypeStillWaiting, ErrTypeStillWaiting, true},
		{"CCAPIUnavailable", ErrTypeAPIRejected, false},
		{"PutOutcomeUnknown", ErrTypeAPIUnavailable, false},
		{ErrTypeAPIAuth, ErrTypeAPIRejected, false},
	}
	for _, tt := range tests {
		t.Run(tt.recorded+"/"+tt.errType, func(t *testing.T) {
			err := fmt.Errorf("activity: %w", temporal.NewApplicationError("x", tt.recorded))
			if got := IsType(err, tt.errType); got != tt.want {
				t.Errorf("IsType(%s, %s) = %v, want %v", tt.recorded, tt.errType, got, tt.want)
			}
		})
	}
	if IsType(errors.New("plain"), ErrTypeAPIUnavailable) || IsType(nil, ErrTypeAPIUnavailable) {
		t.Error("IsType matched an error that is no application failure")
	}
}
