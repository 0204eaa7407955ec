resource "google_artifact_registry_repository" "app" {
  # checkov:skip=CKV_GCP_84:images are encrypted at rest with Google-managed keys and hold no secrets; a customer key (kms_key_name) makes every image unreadable once the key is gone, so it is an explicit opt-in
  location      = var.region
  repository_id = var.name
  description   = "Container images of ${var.name}."
  format        = "DOCKER"

  docker_config {
    # A tag, once pushed, always means the same image.
    immutable_tags = true
  }

  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"

    condition {
      tag_state  = "UNTAGGED"
      older_than = "604800s"
    }
  }

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 20
    }
  }
}

resource "google_artifact_registry_repository_iam_member" "nodes_read" {
  project    = google_artifact_registry_repository.app.project
  location   = google_artifact_registry_repository.app.location
  repository = google_artifact_registry_repository.app.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.nodes.email}"
}

# The load balancer's address survives re-creating the Ingress (k8s/overlays/gke/ingress.yaml).
resource "google_compute_global_address" "ingress" {
  name        = "${var.name}-ingress"
  description = "Static IP of the app's HTTP(S) load balancer."
}
