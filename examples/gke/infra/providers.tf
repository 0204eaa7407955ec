provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = local.labels
}

# For the beta-only google_project_service_identity (kms.tf).
provider "google-beta" {
  project        = var.project_id
  region         = var.region
  default_labels = local.labels
}
