output "infra_stack_id" {
  description = "Slug of the infra stack."
  value       = spacelift_stack.infra.id
}

output "k8s_stack_id" {
  description = "Slug of the Kubernetes stack."
  value       = spacelift_stack.k8s.id
}

output "infra_service_account" {
  description = "GCP service account the infra stack's runs act as (README, step 5: its one IAM grant)."
  value       = spacelift_gcp_service_account.infra.service_account_email
}

output "k8s_service_account" {
  description = "GCP service account the Kubernetes stack's runs act as."
  value       = spacelift_gcp_service_account.k8s.service_account_email
}
