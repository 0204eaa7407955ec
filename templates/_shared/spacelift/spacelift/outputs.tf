{%- import "spacelift.jinja" as platform with context -%}
output "infra_stack_id" {
  description = "Slug of the infra stack."
  value       = spacelift_stack.infra.id
}

output "k8s_stack_id" {
  description = "Slug of the Kubernetes stack."
  value       = spacelift_stack.k8s.id
}
{{- platform.outputs() }}
