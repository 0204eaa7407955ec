# Inside a Spacelift run the provider is configured from the run's own credentials; on your
# machine, set SPACELIFT_API_KEY_ENDPOINT, SPACELIFT_API_KEY_ID and SPACELIFT_API_KEY_SECRET.
provider "spacelift" {}

# Grants the stacks' Spacelift-managed service accounts their roles in the project.
provider "google" {
  project = var.gcp_project_id
}
