# Nodes run as their own service account with only what nodes need: write logs and metrics,
# read metadata, and pull the app's image (granted on the repository in registry.tf). The
# infra stack may grant exactly these project roles and the app's two in database.tf
# (spacelift/bootstrap/infra-condition.yaml): a new one goes there too.
resource "google_service_account" "nodes" {
  account_id   = "${local.account_prefix}-nodes"
  display_name = "GKE nodes of ${var.name}"
}

resource "google_project_iam_member" "nodes" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.nodes.email}"
}

# The app's identity in GCP: its Kubernetes service account acts as this account through
# Workload Identity, so no key file exists anywhere.
resource "google_service_account" "app" {
  account_id   = "${local.account_prefix}-app"
  display_name = "App ${var.name} (Workload Identity)"
}

resource "google_service_account_iam_member" "app_workload_identity" {
  service_account_id = google_service_account.app.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.app_namespace}/${var.app_service_account}]"

  # The identity pool <project>.svc.id.goog exists only once a cluster with Workload Identity
  # does: without this, a first apply binds it too early ("Identity Pool does not exist").
  depends_on = [google_container_cluster.this]
}
