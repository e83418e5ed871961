package main

import (
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/cc-l2/provisioner/activities"
)

// Issue 26: a waiting order's last read shows from its pending read
// activity's last failure; the first attempt of a phase, which reads
// nothing, shows nothing, and neither does any other activity.
func TestLastRead(t *testing.T) {
	pending := func(activityType string, failureType string, seen activities.ReadOutcome, msg string) *workflowservice.DescribeWorkflowExecutionResponse {
		details, err := converter.GetDefaultDataConverter().ToPayloads(seen)
		if err != nil {
			t.Fatal(err)
		}
		return &workflowservice.DescribeWorkflowExecutionResponse{PendingActivities: []*workflowpb.PendingActivityInfo{{
			ActivityType: &commonpb.ActivityType{Name: activityType},
			LastFailure: &failurepb.Failure{Message: msg, FailureInfo: &failurepb.Failure_ApplicationFailureInfo{
				ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: failureType, Details: details}}},
		}}}
	}
	const msg = "connection c1: PENDING at 2026-12-06T14:00:00Z (read 12)"
	tests := []struct {
		name string
		desc *workflowservice.DescribeWorkflowExecutionResponse
		want string
	}{
		{"a read", pending("AwaitConnection", activities.ErrTypeStillWaiting, activities.ReadOutcome{Status: "PENDING", Read: 12}, msg), msg},
		{"the phase's first attempt", pending("AwaitConnection", activities.ErrTypeStillWaiting, activities.ReadOutcome{}, "the first read comes one interval after the last"), ""},
		{"another activity", pending("DeleteConnection", activities.ErrTypeAPIUnavailable, activities.ReadOutcome{Read: 1}, "503"), ""},
		{"nothing pending", &workflowservice.DescribeWorkflowExecutionResponse{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lastRead(tt.desc); got != tt.want {
				t.Errorf("lastRead = %q, want %q", got, tt.want)
			}
		})
	}
}
