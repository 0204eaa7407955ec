{%- import "spacelift.jinja" as platform with context -%}
# Plan policy of the infra stack (Rego v1: policies.tf sets engine_type = "REGO_V1").
# A `deny` fails the run; a `warn` asks for a human look.
#
# Spacelift hashes the values in `before` and `after` before a plan policy sees them: with its
# default sanitization every string becomes the last 8 hex digits of its SHA-256, which is what
# `sanitized("...")` returns (docs.spacelift.io/vendors/terraform/resource-sanitization and
# concepts/policy/terraform-plan-policy#string-sanitization). The infra stack enables smart
# sanitization (`terraform_smart_sanitization = true` in ../stacks.tf), so only values Terraform
# marks sensitive are hashed and this policy reads plain text: it needs that for what is not an
# exact match (any spelling of a /0 range, bucket policy documents, the state bucket's name in
# a replacement). Exact matches go through is(), which accepts the plain and the sanitized
# form, so the common cases are still denied if the setting is ever lost; `scaffolder validate`
# reports a stack that runs this policy without smart sanitization (SL109).
#
# Every rule is null-safe: a real plan has `null` for unset lists and `after: null` for a
# delete, and a built-in given the wrong type fails the whole evaluation in OPA's strict mode.
package spacelift

# `v` is the literal `s`, as plain text or as Spacelift's sanitized hash of it.
is(v, s) if v == s

is(v, s) if v == sanitized(s)

# The elements of `x` when it is a list; unset (null) lists have none.
items(x) := x if is_array(x)

items(x) := [] if not is_array(x)

# `obj[key]`, or null when the key is absent (an unknown value is absent from `after`).
# Undefined when `obj` is not an object: object.get would fail the whole evaluation.
value_of(obj, key) := object.get(obj, key, null) if is_object(obj)

items_of(obj, key) := items(value_of(obj, key))

# Every address: 0.0.0.0/0, ::/0, and any other spelling of a /0 prefix.
world(cidr) if is(cidr, "0.0.0.0/0")

world(cidr) if is(cidr, "::/0")

world(cidr) if {
	is_string(cidr)
	endswith(cidr, "/0")
}

any_world(ranges) if {
	some cidr in items(ranges)
	world(cidr)
}

# Resources this run creates, updates or replaces, with the values they will have.
changed contains change if {
	some change in input.terraform.resource_changes
	some action in change.change.actions
	action in {"create", "update"}
	is_object(change.change.after)
}

# Resources this run deletes or replaces (a replacement is a delete and a create).
deleted contains change if {
	some change in input.terraform.resource_changes
	"delete" in change.change.actions
}

verb(change) := "replaced" if "create" in change.change.actions

verb(change) := "deleted" if not "create" in change.change.actions

# --- Ingress open to the world -------------------------------------------------------------

# VPC firewall rules. Without source ranges, tags or service accounts an ingress rule applies
# to every source (cloud.google.com/firewall/docs/firewalls#sources-for-rules).
deny contains sprintf("%s allows ingress from anywhere", [change.address]) if {
	some change in changed
	change.type == "google_compute_firewall"
	after := change.change.after
	not after.disabled == true
	not is(after.direction, "EGRESS")
	count(items_of(after, "allow")) > 0
	gcp_firewall_sources_open(after)
}

gcp_firewall_sources_open(after) if any_world(value_of(after, "source_ranges"))

gcp_firewall_sources_open(after) if {
	count(items_of(after, "source_ranges")) == 0
	count(items_of(after, "source_tags")) == 0
	count(items_of(after, "source_service_accounts")) == 0
}

# Network firewall policies (global and regional) and hierarchical firewall policies.
gcp_policy_rule_types := {
	"google_compute_network_firewall_policy_rule",
	"google_compute_region_network_firewall_policy_rule",
	"google_compute_firewall_policy_rule",
}

deny contains sprintf("%s allows ingress from anywhere", [change.address]) if {
	some change in changed
	change.type in gcp_policy_rule_types
	after := change.change.after
	not after.disabled == true
	is(after.action, "allow")
	not is(after.direction, "EGRESS")
	some match in items_of(after, "match")
	any_world(value_of(match, "src_ip_ranges"))
}

# Security group rules, separate (the older and the newer resource) and inline.
deny contains sprintf("%s allows ingress from anywhere", [change.address]) if {
	some change in changed
	change.type == "aws_security_group_rule"
	after := change.change.after
	is(after.type, "ingress")
	aws_rule_open(after)
}

deny contains sprintf("%s allows ingress from anywhere", [change.address]) if {
	some change in changed
	change.type == "aws_vpc_security_group_ingress_rule"
	after := change.change.after
	some cidr in [value_of(after, "cidr_ipv4"), value_of(after, "cidr_ipv6")]
	world(cidr)
}

deny contains sprintf("%s has an inline ingress rule open to anywhere", [change.address]) if {
	some change in changed
	change.type in {"aws_security_group", "aws_default_security_group"}
	some rule in items_of(change.change.after, "ingress")
	aws_rule_open(rule)
}

aws_rule_open(rule) if any_world(value_of(rule, "cidr_blocks"))

aws_rule_open(rule) if any_world(value_of(rule, "ipv6_cidr_blocks"))

# --- Cluster endpoints reachable from anywhere ----------------------------------------------

# EKS: a public endpoint without public_access_cidrs is open to 0.0.0.0/0 (AWS's default).
deny contains sprintf("%s has a public API endpoint open to anywhere", [change.address]) if {
	some change in changed
	change.type == "aws_eks_cluster"
	some vpc in items_of(change.change.after, "vpc_config")
	vpc.endpoint_public_access == true
	eks_public_cidrs_open(vpc)
}

eks_public_cidrs_open(vpc) if any_world(value_of(vpc, "public_access_cidrs"))

eks_public_cidrs_open(vpc) if count(items_of(vpc, "public_access_cidrs")) == 0

# GKE: a public endpoint without authorized networks accepts every address.
deny contains sprintf("%s has a public API endpoint open to anywhere", [change.address]) if {
	some change in changed
	change.type == "google_container_cluster"
	after := change.change.after
	not gke_private_endpoint(after)
	gke_endpoint_open(after)
}

gke_private_endpoint(after) if {
	some config in items_of(after, "private_cluster_config")
	config.enable_private_endpoint == true
}

gke_endpoint_open(after) if count(items_of(after, "master_authorized_networks_config")) == 0

gke_endpoint_open(after) if {
	some config in items_of(after, "master_authorized_networks_config")
	some block in items_of(config, "cidr_blocks")
	world(value_of(block, "cidr_block"))
}

# --- Public buckets -------------------------------------------------------------------------

public_members := {"allUsers", "allAuthenticatedUsers"}

public_member(member) if {
	some public in public_members
	is(member, public)
}

deny contains sprintf("%s makes a bucket public", [change.address]) if {
	some change in changed
	change.type in {"google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"}
	after := change.change.after
	some member in array.concat([value_of(after, "member")], items_of(after, "members"))
	public_member(member)
}

deny contains sprintf("%s makes a bucket public", [change.address]) if {
	some change in changed
	change.type in {
		"google_storage_bucket_access_control",
		"google_storage_default_object_access_control",
		"google_storage_object_access_control",
	}
	public_member(value_of(change.change.after, "entity"))
}

deny contains sprintf("%s makes a bucket public", [change.address]) if {
	some change in changed
	change.type in {"google_storage_bucket_acl", "google_storage_default_object_acl"}
	gcs_acl_public(change.change.after)
}

gcs_acl_public(after) if {
	some acl in {"publicRead", "publicReadWrite", "authenticatedRead"}
	is(value_of(after, "predefined_acl"), acl)
}

gcs_acl_public(after) if {
	some entry in array.concat(items_of(after, "role_entity"), items_of(after, "role_entities"))
	is_string(entry)
	some member in public_members
	endswith(entry, sprintf(":%s", [member]))
}

deny contains sprintf("%s makes a bucket public", [change.address]) if {
	some change in changed
	change.type == "aws_s3_bucket_acl"
	some acl in {"public-read", "public-read-write", "authenticated-read"}
	is(value_of(change.change.after, "acl"), acl)
}

deny contains sprintf("%s turns off %s", [change.address, setting]) if {
	some change in changed
	change.type in {"aws_s3_bucket_public_access_block", "aws_s3_account_public_access_block"}
	some setting in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
	value_of(change.change.after, setting) == false
}

# A bucket policy that allows anyone, without a condition.
deny contains sprintf("%s allows anyone to access the bucket", [change.address]) if {
	some change in changed
	change.type == "aws_s3_bucket_policy"
	document := value_of(change.change.after, "policy")
	is_string(document)
	json.is_valid(document)
	some statement in statements(json.unmarshal(document))
	value_of(statement, "Effect") == "Allow"
	anyone(value_of(statement, "Principal"))
	value_of(statement, "Condition") == null
}

# `Statement` is a list of statements or a single one.
statements(document) := [statement | some statement in listed; is_object(statement)] if {
	listed := value_of(document, "Statement")
	is_array(listed)
}

statements(document) := [statement] if {
	statement := value_of(document, "Statement")
	is_object(statement)
}

anyone(principal) if principal == "*"

anyone(principal) if {
	is_object(principal)
	some value in principal
	anyone_value(value)
}

anyone_value(value) if value == "*"

anyone_value(value) if "*" in items(value)

# --- Deleting what cannot be rebuilt from code ----------------------------------------------

# A database's rows, every stack's state and whatever a key encrypted cannot be recreated by
# applying again, so deleting or replacing them is denied. A stack labelled
# `plan-policy:allow-data-loss` (a deliberate teardown) gets a warning instead.
data_loss_allowed if "plan-policy:allow-data-loss" in input.spacelift.stack.labels

database_types := {
	"aws_db_instance",
	"aws_rds_cluster",
	"aws_dynamodb_table",
	"google_sql_database_instance",
	"google_sql_database",
	"google_alloydb_cluster",
}

key_types := {"aws_kms_key", "aws_kms_replica_key", "google_kms_crypto_key"}

state_buckets := {"{{ platform.state_bucket }}"}

loses_data(change) := "its data" if change.type in database_types

loses_data(change) := "everything it encrypted" if change.type in key_types

loses_data(change) := "the state of every stack" if {
	change.type in {"aws_s3_bucket", "google_storage_bucket"}
	before := change.change.before
	some name in [value_of(before, "bucket"), value_of(before, "name")]
	some bucket in state_buckets
	is(name, bucket)
}

# Function calls are made in rule bodies, not heads: regorus drops a head whose call is
# undefined for some of the body's bindings.
deny contains sprintf("%s would be %s: %s is lost", [change.address, verb(change), lost]) if {
	some change in deleted
	lost := loses_data(change)
	not data_loss_allowed
}

warn contains sprintf("%s will be %s: %s is lost", [change.address, verb(change), lost]) if {
	some change in deleted
	lost := loses_data(change)
	data_loss_allowed
}

# Replacing or deleting the cluster stops every workload on it; it is rebuilt from code, and
# the Kubernetes stack deploys the workloads again, so a human decides.
cluster_types := {"google_container_cluster", "aws_eks_cluster"}

warn contains sprintf("%s will be %s: every workload on it stops", [change.address, verb(change)]) if {
	some change in deleted
	change.type in cluster_types
}

# Keep the inputs of evaluations that denied or warned, for the policy workbench.
sample if count(deny) + count(warn) > 0
