output "cluster_name" {
  description = "Name of the GKE cluster (for gcloud container clusters get-credentials)."
  value       = google_container_cluster.this.name
}

output "cluster_location" {
  description = "Region of the cluster."
  value       = google_container_cluster.this.location
}

output "project_id" {
  description = "GCP project that hosts the cluster."
  value       = var.project_id
}

output "registry_url" {
  description = "Docker repository for the app's image: <registry_url>/<image>:<tag>."
  value       = "${google_artifact_registry_repository.app.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.app.repository_id}"
}

output "app_service_account_email" {
  description = "GCP service account the app's Kubernetes service account impersonates."
  value       = google_service_account.app.email
}

output "ingress_address_name" {
  description = "Name of the global static IP the Ingress uses."
  value       = google_compute_global_address.ingress.name
}

output "ingress_address" {
  description = "The app's public IP address."
  value       = google_compute_global_address.ingress.address
}

output "network_name" {
  description = "Name of the VPC."
  value       = google_compute_network.this.name
}

output "database_instance" {
  description = "Connection name <project>:<region>:<instance> of the Cloud SQL instance, as the Auth Proxy takes it."
  value       = google_sql_database_instance.this.connection_name
}

output "database_name" {
  description = "The app's database."
  value       = google_sql_database.app.name
}

output "database_user" {
  description = "The app's IAM database user (its service account, without `.gserviceaccount.com`)."
  value       = google_sql_user.app.name
}
