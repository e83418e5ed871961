# ServiceNow → orders: the body a ServiceNow outbound REST message sends
# when a Business Rule fires on a requested item (sc_req_item, the
# connection's catalog variables under "variables") or a change request
# (change_request, the same values in custom columns u_source_port, ...),
# built as the README's "Ticketing systems" shows: the record's sys_id,
# number and table, and the values below. Makes one order. Served at
# POST /orders/servicenow when this file is in STARTER_MAPPINGS.
#
# Adjust to your instance: the variable (or column) names below, and
# "company" if the catalog item does not ask for it.
#   company           Console Connect company username
#   source_port       a Console Connect port id
#   destination_port  a Console Connect port id
#   speed_mbps        Mbps, a number or a string of one ("100")
#
# The order id is the record's sys_id's ("SN-<sys_id>"), so a message sent
# again (an update, a retry) starts nothing new; the connection is named
# after the record's number. Milestones go back as work notes through the
# worker's callback target "servicenow" (CALLBACK_TARGETS), the sys_id as
# the ticket.

# value($name): the catalog variable, else the change request's u_ column.
def value($name): (.variables[$name]? // .["u_" + $name]);

def required($record; $what):
  if . == null or . == "" then error("\($record.number // $record.sys_id): \($what) is empty") else . end;

. as $record
| (.sys_id | required($record; "sys_id")) as $sysID
| {
    orderId: "SN-\($sysID)",
    company: (value("company") | required($record; "company")),
    name: (.number | required($record; "number")),
    portId: (value("source_port") | required($record; "source_port")),
    destPortId: (value("destination_port") | required($record; "destination_port")),
    speed: (value("speed_mbps") | required($record; "speed_mbps")
            | (tonumber? // error("\($record.number): speed_mbps is \(tojson), not a number of Mbps"))),
    callback: {target: "servicenow", ticket: $sysID}
  }
