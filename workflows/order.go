package workflows

import "github.com/cc-l2/provisioner/order"

// The order model lives in package order; these names keep the workflows'
// callers compiling unchanged.
type (
	Order           = order.Order
	Callback        = order.Callback
	Kind            = order.Kind
	Duration        = order.Duration
	FieldError      = order.FieldError
	ValidationError = order.ValidationError
)

const (
	ActionCreate       = order.ActionCreate
	ActionDecommission = order.ActionDecommission
	ActionModify       = order.ActionModify
	ActionAdopt        = order.ActionAdopt
	OnTimeoutWithdraw  = order.OnTimeoutWithdraw
	OnTimeoutKeep      = order.OnTimeoutKeep
	PortToPort         = order.PortToPort
	BusinessToBusiness = order.BusinessToBusiness
)

// DecodeOrder reads one order strictly: see order.Decode.
func DecodeOrder(data []byte) (Order, error) { return order.Decode(data) }

// validateOrder checks an order with the rules it was started under:
// strict for orders started since changeOrderStart.
func validateOrder(o Order, strict bool) error {
	if strict {
		return o.Validate()
	}
	return o.ValidateLegacy()
}
