package ccapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Endpoints that change an existing connection.
const (
	EndpointUpdateConnection = "updateConnection"
	EndpointRequestChange    = "requestChange"
	EndpointApproveChange    = "approveChange"
	EndpointCancelChange     = "cancelChange"
)

// A change request's status (connection.request.status).
const (
	ChangeRequestPending   = "PENDING"   // waiting for the other party
	ChangeRequestApproved  = "APPROVED"  // both parties approved: applied
	ChangeRequestRejected  = "REJECTED"  // the other party refused it
	ChangeRequestWithdrawn = "WITHDRAWN" // its requester cancelled it
)

// ChangeRequest is a connection's change request (connection.request): a
// change to a business-to-business connection that both parties must
// approve. Only speed changes exist today.
type ChangeRequest struct {
	Status string `json:"status"`
	// SpeedMbps is the speed asked for: the other party may lower it
	// when it approves.
	SpeedMbps int `json:"speed"`
	// SrcApproval and DestApproval name the company that approved on each
	// side; empty while that side has not.
	SrcApproval  string    `json:"srcApproval"`
	DestApproval string    `json:"destApproval"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// UnmarshalJSON reads a change request as an object or as the API
// reference's example shows it: an array of one-key objects
// ([{"status":"PENDING"},{"speed":580},...]), merged in order.
func (r *ChangeRequest) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	type plain ChangeRequest
	var out plain
	switch {
	case bytes.Equal(data, []byte("null")):
		return nil
	case len(data) > 0 && data[0] == '[':
		var parts []map[string]json.RawMessage
		if err := json.Unmarshal(data, &parts); err != nil {
			return fmt.Errorf("change request: %w", err)
		}
		merged := map[string]json.RawMessage{}
		for _, p := range parts {
			for k, v := range p {
				merged[k] = v
			}
		}
		raw, err := json.Marshal(merged)
		if err != nil {
			return fmt.Errorf("change request: %w", err)
		}
		data = raw
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("change request: %w", err)
	}
	*r = ChangeRequest(out)
	return nil
}

// UpdateConnectionRequest is the body of an update: only the fields set
// change.
type UpdateConnectionRequest struct {
	// SpeedMbps: a self-connection may take any speed; a connection
	// to another company may only be reduced this way (an increase needs
	// a change request).
	SpeedMbps int    `json:"speed,omitempty"`
	Name      string `json:"name,omitempty"`
}

// UpdateConnection edits a connection (or a request still PENDING).
// POST /api/v2/company/{company}/connections/{id}
func (c *Client) UpdateConnection(ctx context.Context, company, id string, req UpdateConnectionRequest) (*Connection, error) {
	var out Connection
	if err := c.do(ctx, EndpointUpdateConnection, http.MethodPost, endpointPath("/api/v2/company/%s/connections/%s", company, id), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RequestChange asks the other party of a business-to-business connection
// to approve a new speed; the requester's approval is implied. Asking
// again replaces the pending request.
// PUT /api/company/{company}/connections/{id}/change
func (c *Client) RequestChange(ctx context.Context, company, id string, speed int) (*Connection, error) {
	var out Connection
	body := struct {
		SpeedMbps int `json:"speed"`
	}{speed}
	if err := c.do(ctx, EndpointRequestChange, http.MethodPut, endpointPath("/api/company/%s/connections/%s/change", company, id), nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ApproveChange approves the connection's pending change request; once
// both parties have, it is applied.
// PUT /api/company/{company}/connections/{id}/change/approve
func (c *Client) ApproveChange(ctx context.Context, company, id string) (*Connection, error) {
	var out Connection
	if err := c.do(ctx, EndpointApproveChange, http.MethodPut, endpointPath("/api/company/%s/connections/%s/change/approve", company, id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelChange withdraws the company's own pending change request
// (WITHDRAWN) or rejects the other party's (REJECTED).
// DELETE /api/company/{company}/connections/{id}/change
func (c *Client) CancelChange(ctx context.Context, company, id string) (*Connection, error) {
	var out Connection
	if err := c.do(ctx, EndpointCancelChange, http.MethodDelete, endpointPath("/api/company/%s/connections/%s/change", company, id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
