output "infra_stack_id" {
  description = "Slug of the infra stack."
  value       = spacelift_stack.infra.id
}

output "k8s_stack_id" {
  description = "Slug of the Kubernetes stack."
  value       = spacelift_stack.k8s.id
}
{%- if cookiecutter._cloud == "gcp" %}

output "infra_service_account" {
  description = "GCP service account the infra stack's runs act as."
  value       = spacelift_gcp_service_account.infra.service_account_email
}
{%- else %}

output "integration_role_arn" {
  description = "IAM role the stacks' runs assume."
  value       = aws_iam_role.spacelift.arn
}
{%- endif %}
