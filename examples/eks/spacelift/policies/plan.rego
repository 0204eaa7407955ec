# Plan policy of the infra stack. A `deny` fails the run; a `warn` asks for a human look.
package spacelift

import rego.v1

open_to_world(ranges) if {
	some cidr in ranges
	cidr in {"0.0.0.0/0", "::/0"}
}

changes contains change if {
	some change in input.terraform.resource_changes
	not "no-op" in change.change.actions
}

# Firewall rules that allow traffic from anywhere.
deny contains sprintf("%s allows ingress from anywhere", [change.address]) if {
	some change in changes
	change.type == "google_compute_firewall"
	count(object.get(change.change.after, "allow", [])) > 0
	open_to_world(object.get(change.change.after, "source_ranges", []))
}

deny contains sprintf("%s allows traffic from anywhere", [change.address]) if {
	some change in changes
	change.type == "google_compute_network_firewall_policy_rule"
	change.change.after.action == "allow"
	some match in change.change.after.match
	open_to_world(object.get(match, "src_ip_ranges", []))
}

deny contains sprintf("%s opens %s to anywhere", [change.address, change.change.after.type]) if {
	some change in changes
	change.type == "aws_security_group_rule"
	change.change.after.type == "ingress"
	open_to_world(array.concat(
		object.get(change.change.after, "cidr_blocks", []),
		object.get(change.change.after, "ipv6_cidr_blocks", []),
	))
}

# Replacing or deleting the cluster loses every workload on it.
cluster_types := {"google_container_cluster", "aws_eks_cluster"}

warn contains sprintf("%s will be %s", [change.address, concat(" and ", change.change.actions)]) if {
	some change in changes
	change.type in cluster_types
	"delete" in change.change.actions
}

sample := true
