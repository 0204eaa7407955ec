# Each stack acts as its own Spacelift-managed GCP service account: runs receive short-lived
# tokens, and no key is stored anywhere (docs.spacelift.io/integrations/cloud-providers/gcp).
# This stack itself acts as the one enabled by hand on it, with the rights README step 5 grants
# once (bootstrap/): enough to make the grants below, and no others.
resource "spacelift_gcp_service_account" "infra" {
  stack_id     = spacelift_stack.infra.id
  token_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
}

resource "spacelift_gcp_service_account" "k8s" {
  stack_id     = spacelift_stack.k8s.id
  token_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
}

locals {
  # The service accounts infra/iam.tf creates, named after the slug (infra/main.tf).
  service_accounts = {
    nodes = "projects/${var.gcp_project_id}/serviceAccounts/my-service-nodes@${var.gcp_project_id}.iam.gserviceaccount.com"
    app   = "projects/${var.gcp_project_id}/serviceAccounts/my-service-app@${var.gcp_project_id}.iam.gserviceaccount.com"
  }
}

# What infra/ creates, and nothing more. No role here changes project IAM or acts as every
# service account: the project roles infra/ grants come from one conditional binding made in
# step 5 (bootstrap/infra-condition.yaml), and the service accounts are granted one by one below.
resource "google_project_iam_member" "infra" {
  for_each = toset([
    # VPC, subnet, router, NAT, the ingress IP and the Private Service Access range and peering.
    "roles/compute.networkAdmin",
    # The network firewall policy, its rules and the deny-all firewall rule.
    "roles/compute.securityAdmin",
    # The cluster and its node pool.
    "roles/container.clusterAdmin",
    # The image repository and the nodes' read grant on it.
    "roles/artifactregistry.admin",
    # The Cloud SQL instance, the app's database and its IAM user.
    "roles/cloudsql.admin",
    # The key ring, the database key and Cloud SQL's grant on that key.
    "roles/cloudkms.admin",
    # The Private Service Access connection.
    "roles/servicenetworking.networksAdmin",
    # Creating Cloud SQL's service agent (google_project_service_identity).
    "roles/serviceusage.serviceUsageAdmin",
    # Creating the node and app service accounts; a new account holds no rights.
    "roles/iam.serviceAccountCreator",
  ])

  project = var.gcp_project_id
  role    = each.value
  member  = "serviceAccount:${spacelift_gcp_service_account.infra.service_account_email}"
}

# The node pool runs as the nodes' account (actAs: Service Account User), and infra/ manages
# that account (Service Account Admin): on this one account only.
resource "google_service_account_iam_member" "infra_nodes" {
  for_each = toset([
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountAdmin",
  ])

  service_account_id = local.service_accounts.nodes
  role               = each.value
  member             = "serviceAccount:${spacelift_gcp_service_account.infra.service_account_email}"
}

# infra/ manages the app's account and binds its Workload Identity user (setIamPolicy on it): on
# this one account only. Nothing runs as it in infra/, so no actAs.
resource "google_service_account_iam_member" "infra_app" {
  service_account_id = local.service_accounts.app
  role               = "roles/iam.serviceAccountAdmin"
  member             = "serviceAccount:${spacelift_gcp_service_account.infra.service_account_email}"
}

# The state, on its bucket only: read and write the objects, never the bucket's settings.
resource "google_storage_bucket_iam_member" "infra_state" {
  bucket = var.state_bucket
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${spacelift_gcp_service_account.infra.service_account_email}"
}

# The Kubernetes stack only deploys workloads.
resource "google_project_iam_member" "k8s" {
  for_each = toset([
    # Deploying the workloads through the cluster's API; the project holds this one cluster.
    "roles/container.developer",
  ])

  project = var.gcp_project_id
  role    = each.value
  member  = "serviceAccount:${spacelift_gcp_service_account.k8s.service_account_email}"
}
