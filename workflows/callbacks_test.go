package workflows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/cc-l2/provisioner/activities"
	"github.com/cc-l2/provisioner/ccapi"
)

// milestones records the events the callbacks workflow delivers.
func (w *wfTest) milestones() *[]activities.CallbackEvent {
	var mu sync.Mutex
	var got []activities.CallbackEvent
	w.env.OnActivity(a.DeliverCallback, mock.Anything, mock.Anything).Return(
		func(_ context.Context, e activities.CallbackEvent) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e)
			return nil
		})
	return &got
}

func milestoneNames(events []activities.CallbackEvent) string {
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = e.Milestone
	}
	return strings.Join(names, ",")
}

func withCallback(o Order) Order {
	o.Callback = &Callback{URL: "https://tickets.example.com/hook", Ticket: "CHG0040012"}
	return o
}

// Every milestone goes, in order, to the order's callback, with its ticket.
func TestCallbacksReportEveryMilestone(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *wfTest)
		order Order
		want  string
	}{
		{"port-to-port", func(w *wfTest) {
			w.ports(goodPorts())
			w.submit(ccapi.StatusCreating)
			w.statuses(st(ccapi.StatusActive))
		}, validP2P(), "ordered,active"},
		{"accepted", func(w *wfTest) {
			w.b2bLookups(goodB2BLookups())
			w.submit(ccapi.StatusPending)
			w.statuses(st(ccapi.StatusPending), st(ccapi.StatusPending), st(ccapi.StatusAccepted), st(ccapi.StatusActive))
		}, validB2B(), "ordered,awaiting-acceptance,active"},
		{"cancelled after ordering", func(w *wfTest) {
			w.b2bLookups(goodB2BLookups())
			w.submit(ccapi.StatusPending)
			w.statuses(st(ccapi.StatusPending))
			w.allowDelete()
			w.env.RegisterDelayedCallback(func() { w.env.SignalWorkflow(SignalCancel, CancelRequest{Reason: "no"}) }, time.Hour)
		}, validB2B(), "ordered,awaiting-acceptance,withdrawn,cancelled"},
		{"failed pre-check", func(w *wfTest) {
			p := goodPorts()
			p.Source.Status = "DISABLED"
			w.ports(p)
		}, validP2P(), "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWFTest(t, Config{CallbackAllowedHosts: []string{"tickets.example.com"}})
			got := w.milestones()
			tt.setup(w)
			w.env.ExecuteWorkflow(WorkflowName, Input{Order: withCallback(tt.order)})
			if names := milestoneNames(*got); names != tt.want {
				t.Fatalf("milestones %s, want %s", names, tt.want)
			}
			for _, e := range *got {
				if e.Ticket != "CHG0040012" || e.URL != "https://tickets.example.com/hook" || e.OrderID != tt.order.OrderID {
					t.Errorf("event %+v", e)
				}
			}
		})
	}
}

// An order's own callback may only name a host the worker allows: else
// nothing is ordered.
func TestCallbackHostNotAllowed(t *testing.T) {
	w := newWFTest(t, Config{CallbackAllowedHosts: []string{"tickets.example.com"}})
	got := w.milestones()
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	o := validP2P()
	o.Callback = &Callback{URL: "http://169.254.169.254/latest/meta-data"}
	_, err := w.run(o)
	failure(t, err, ErrTypeInvalidOrder, "callback.url: host 169.254.169.254 is not one the worker may call")
	if w.submits != 0 || len(*got) != 0 {
		t.Errorf("%d PUTs, %d callbacks", w.submits, len(*got))
	}
}

// Without a callback of its own, an order reports to the worker's
// CALLBACK_URL, named in its events, never written there: the URL may
// carry credentials, and events are kept in histories.
func TestDefaultCallbackByName(t *testing.T) {
	w := newWFTest(t, Config{DefaultCallbackHost: "itsm.example.com"})
	got := w.milestones()
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusActive))
	if _, err := w.run(validP2P()); err != nil {
		t.Fatal(err)
	}
	if names := milestoneNames(*got); names != "ordered,active" {
		t.Fatalf("milestones %s", names)
	}
	for _, e := range *got {
		if e.Target != activities.DefaultCallback || e.URL != "" {
			t.Errorf("event %+v: want target %s and no URL", e, activities.DefaultCallback)
		}
	}

	// The worker's host is one an order's own callback may name.
	w = newWFTest(t, Config{DefaultCallbackHost: "itsm.example.com"})
	got = w.milestones()
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusActive))
	o := validP2P()
	o.Callback = &Callback{URL: "https://itsm.example.com/other"}
	if _, err := w.run(o); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 2 || (*got)[0].URL != "https://itsm.example.com/other" || (*got)[0].Target != "" {
		t.Errorf("events %+v", *got)
	}
}

// A run whose history recorded the whole CALLBACK_URL (workers before
// DefaultCallbackHost) reports there, as it began.
func TestWorkerCallbackURL(t *testing.T) {
	w := newWFTest(t, Config{CallbackURL: "https://itsm.example.com/l2"})
	got := w.milestones()
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusActive))
	if _, err := w.run(validP2P()); err != nil {
		t.Fatal(err)
	}
	if names := milestoneNames(*got); names != "ordered,active" || (*got)[0].URL != "https://itsm.example.com/l2" {
		t.Errorf("milestones %s: %+v", names, *got)
	}
}

// An order's callback may name one of the worker's targets: its events
// name the target (the worker's file holds its URL and credentials) and
// carry the ticket.
func TestCallbackTarget(t *testing.T) {
	w := newWFTest(t, Config{CallbackTargets: []string{"jira", "servicenow"}})
	got := w.milestones()
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusActive))
	o := validP2P()
	o.Callback = &Callback{Target: "jira", Ticket: "NET-42"}
	if _, err := w.run(o); err != nil {
		t.Fatal(err)
	}
	if names := milestoneNames(*got); names != "ordered,active" {
		t.Fatalf("milestones %s", names)
	}
	for _, e := range *got {
		if e.Target != "jira" || e.URL != "" || e.Ticket != "NET-42" {
			t.Errorf("event %+v", e)
		}
	}
}

// An order naming a target the worker does not have is refused before
// anything is ordered, for good.
func TestCallbackTargetUnknown(t *testing.T) {
	for _, o := range []Order{validP2P(), decommission()} {
		w := newWFTest(t, Config{CallbackTargets: []string{"jira"}})
		got := w.milestones()
		w.ports(goodPorts())
		w.submit(ccapi.StatusCreating)
		o.Callback = &Callback{Target: "servicenow", Ticket: "CHG1"}
		_, err := w.run(o)
		failure(t, err, ErrTypeInvalidOrder, `callback.target: "servicenow" is not one of the worker's CALLBACK_TARGETS (jira)`)
		if w.submits != 0 || len(*got) != 0 {
			t.Errorf("%s: %d PUTs, %d callbacks", o.Action, w.submits, len(*got))
		}
	}
}

// A run of a revision before targets reports nowhere, as it began.
func TestCallbackTargetBeforeItsRevision(t *testing.T) {
	w := newWFTestAt(t, Config{CallbackTargets: []string{"jira"}}, revisionWaitAtFloor)
	got := w.milestones()
	w.ports(goodPorts())
	w.submit(ccapi.StatusCreating)
	w.statuses(st(ccapi.StatusActive))
	o := validP2P()
	o.Callback = &Callback{Target: "nope", Ticket: "NET-42"}
	if _, err := w.run(o); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 0 {
		t.Errorf("events %+v", *got)
	}
}
