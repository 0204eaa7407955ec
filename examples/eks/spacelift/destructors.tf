# Removing a stack from this configuration first destroys what it manages. The Kubernetes
# stack's destructor depends on the infra stack's, so on teardown the workloads go first and the
# cluster after them; both keep their credentials until they are done.
resource "spacelift_stack_destructor" "infra" {
  stack_id = spacelift_stack.infra.id

  depends_on = [
    spacelift_environment_variable.infra_backend,
    spacelift_aws_integration_attachment.infra,
    aws_iam_role_policy.infra_services,
    aws_iam_role_policy.infra_iam,
    spacelift_environment_variable.infra_permissions_boundary,
  ]
}

resource "spacelift_stack_destructor" "k8s" {
  stack_id = spacelift_stack.k8s.id

  depends_on = [
    spacelift_stack_destructor.infra,
    spacelift_stack_dependency_reference.k8s_inputs,
    spacelift_aws_integration_attachment.k8s,
    aws_iam_role_policy.k8s_cluster,
    aws_eks_access_policy_association.k8s,
  ]
}
