# Removing a stack from this configuration first destroys what it manages. The Kubernetes
# stack's destructor depends on the infra stack's, so on teardown the workloads go first and the
# cluster after them; both keep their credentials until they are done.
resource "spacelift_stack_destructor" "infra" {
  stack_id = spacelift_stack.infra.id

  depends_on = [
    spacelift_environment_variable.infra_backend,
    spacelift_gcp_service_account.infra,
    google_project_iam_member.infra,
    google_service_account_iam_member.infra_nodes,
    google_service_account_iam_member.infra_app,
    google_storage_bucket_iam_member.infra_state,
  ]
}

resource "spacelift_stack_destructor" "k8s" {
  stack_id = spacelift_stack.k8s.id

  depends_on = [
    spacelift_stack_destructor.infra,
    spacelift_stack_dependency_reference.k8s_inputs,
    spacelift_gcp_service_account.k8s,
    google_project_iam_member.k8s,
  ]
}
