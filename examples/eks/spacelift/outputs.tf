output "infra_stack_id" {
  description = "Slug of the infra stack."
  value       = spacelift_stack.infra.id
}

output "k8s_stack_id" {
  description = "Slug of the Kubernetes stack."
  value       = spacelift_stack.k8s.id
}

output "infra_role_arn" {
  description = "IAM role the infra stack's runs assume."
  value       = aws_iam_role.infra.arn
}

output "k8s_role_arn" {
  description = "IAM role the Kubernetes stack's runs assume."
  value       = aws_iam_role.k8s.arn
}

output "permissions_boundary_arn" {
  description = "Permissions boundary every IAM role of infra/ carries."
  value       = aws_iam_policy.boundary.arn
}
