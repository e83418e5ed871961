# Jira Cloud → orders: the body of a Jira Cloud webhook (System > WebHooks)
# for the events jira:issue_created and jira:issue_updated, as Atlassian
# documents it (webhookEvent, issue.key, issue.fields.*), makes one order.
# Served at POST /orders/jira when this file is in STARTER_MAPPINGS.
#
# Adjust to your site:
#   - company: your Console Connect company username;
#   - the custom field ids: every Jira site numbers its own. Find each in
#     Settings > Issues > Custom fields (the id is in the field's edit URL)
#     or in GET /rest/api/3/field. This mapping expects:
#       customfield_10070  "Source port"       text: a Console Connect port id
#       customfield_10071  "Destination port"  text: a Console Connect port id
#       customfield_10072  "Speed (Mbps)"      select list: "10", "100", "1000", ...
#
# The order id is the issue key's ("JIRA-NET-42"), so a webhook delivered
# again, or an issue_updated after the issue_created, starts nothing new
# (the answer says "exists"). An issue created without its ports gets a
# 400 naming the field; the update that fills them in starts the order.
# Milestones go back to the issue through the worker's callback target
# "jira" (CALLBACK_TARGETS), the issue key as the ticket. Any other event
# makes no order (answered 200, nothing started).

def company: "acme";

# required(what): the value, or an error naming the issue and the field.
def required($issue; $what):
  if . == null or . == "" then error("issue \($issue.key): \($what) is empty") else . end;

select(.webhookEvent == "jira:issue_created" or .webhookEvent == "jira:issue_updated")
| .issue as $issue
| ($issue.key | required($issue; "the key")) as $key
| $issue.fields as $f
| {
    orderId: "JIRA-\($key)",
    company: company,
    portId: ($f.customfield_10070 | required($issue; "Source port (customfield_10070)")),
    destPortId: ($f.customfield_10071 | required($issue; "Destination port (customfield_10071)")),
    speed: ($f.customfield_10072.value | required($issue; "Speed (customfield_10072)")
            | (tonumber? // error("issue \($key): Speed (customfield_10072) is \(tojson), not a number of Mbps"))),
    callback: {target: "jira", ticket: $key}
  }
