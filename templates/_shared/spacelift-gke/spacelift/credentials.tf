# Each stack gets a Spacelift-managed GCP service account: runs receive short-lived tokens, and
# no key is stored anywhere.
resource "spacelift_gcp_service_account" "infra" {
  stack_id     = spacelift_stack.infra.id
  token_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
}

resource "spacelift_gcp_service_account" "k8s" {
  stack_id     = spacelift_stack.k8s.id
  token_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
}

# What infra/ creates, and nothing more: network, cluster, node pool, service accounts and
# their bindings, registry, static IP; plus the state bucket's objects.
resource "google_project_iam_member" "infra" {
  # checkov:skip=CKV_GCP_41:infra creates the node and app service accounts and attaches the node account to its pool (actAs); they do not exist before the stack runs, so no narrower scope is available
  # checkov:skip=CKV_GCP_49:same reason: the stack manages exactly the service accounts infra/iam.tf declares
  for_each = toset([
    "roles/compute.networkAdmin",
    "roles/compute.securityAdmin",
    "roles/container.clusterAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountUser",
    "roles/artifactregistry.admin",
  ])

  project = var.gcp_project_id
  role    = each.value
  member  = "serviceAccount:${spacelift_gcp_service_account.infra.service_account_email}"
}

# infra/iam.tf grants the node service account four project roles. Project IAM Admin with a
# condition on the roles a policy change adds or removes lets the stack grant those and nothing
# else: it cannot make itself, or anyone, an owner
# (cloud.google.com/iam/docs/setting-limits-on-granting-roles).
resource "google_project_iam_member" "infra_node_grants" {
  project = var.gcp_project_id
  role    = "roles/resourcemanager.projectIamAdmin"
  member  = "serviceAccount:${spacelift_gcp_service_account.infra.service_account_email}"

  condition {
    title       = "node-roles-only"
    description = "Grant and revoke only the roles infra/iam.tf gives the nodes."
    expression  = "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/logging.logWriter', 'roles/monitoring.metricWriter', 'roles/monitoring.viewer', 'roles/stackdriver.resourceMetadata.writer'])"
  }
}

resource "google_storage_bucket_iam_member" "infra_state" {
  bucket = var.state_bucket
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${spacelift_gcp_service_account.infra.service_account_email}"
}

# The Kubernetes stack only deploys workloads: developer access to the cluster's API.
resource "google_project_iam_member" "k8s" {
  project = var.gcp_project_id
  role    = "roles/container.developer"
  member  = "serviceAccount:${spacelift_gcp_service_account.k8s.service_account_email}"
}
