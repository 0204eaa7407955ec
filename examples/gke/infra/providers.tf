provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = local.labels
}

# Declared so a beta-only setting can be adopted without touching versions.tf.
provider "google-beta" {
  project        = var.project_id
  region         = var.region
  default_labels = local.labels
}
