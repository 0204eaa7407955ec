output "infra_stack_id" {
  description = "Slug of the infra stack."
  value       = spacelift_stack.infra.id
}

output "k8s_stack_id" {
  description = "Slug of the Kubernetes stack."
  value       = spacelift_stack.k8s.id
}

output "integration_role_arn" {
  description = "IAM role the stacks' runs assume."
  value       = aws_iam_role.spacelift.arn
}
