locals {
  labels = ["app:my-service", "managed-by:my-service-management", "platform:eks"]

  # Outputs of infra/ that the Kubernetes stack's hooks read (.spacelift/config.yml), and the
  # environment variable each arrives as.
  k8s_inputs = {
    cluster_name        = "CLUSTER_NAME"
    region              = "CLUSTER_REGION"
    ecr_repository_url  = "ECR_REPOSITORY_URL"
    database_url        = "DATABASE_URL"
    database_secret_arn = "DATABASE_SECRET_ARN"
  }
}

# The stack that runs this directory. Create it once by hand (see README: Spacelift), then it
# manages itself and the two stacks below.
data "spacelift_current_stack" "this" {}

data "spacelift_role" "space_admin" {
  slug = "space-admin"
}

# The management stack creates stacks, policies and integrations in its space: it gets the
# space-admin role through a role attachment (the stack's `administrative` flag is deprecated).
resource "spacelift_role_attachment" "management" {
  stack_id = data.spacelift_current_stack.this.id
  role_id  = data.spacelift_role.space_admin.id
  space_id = var.space_id
}

resource "spacelift_stack" "infra" {
  name        = "my-service-infra"
  slug        = "my-service-infra"
  description = "EKS cluster, network, IAM and registry of my-service (infra/)."
  space_id    = var.space_id

  repository   = var.repository
  branch       = var.branch
  project_root = "infra"
  labels       = local.labels

  terraform_workflow_tool = "OPEN_TOFU"
  terraform_version       = var.opentofu_version
  # Plan policies and the resources view see plain values; only what OpenTofu marks sensitive
  # is hashed. Without it every string reaches policies/plan.rego as a hash
  # (docs.spacelift.io/vendors/terraform/resource-sanitization).
  terraform_smart_sanitization = true
  # State is in the bucket infra/backend.tf names, not in Spacelift.
  manage_state = false
  runner_image = var.runner_image

  autodeploy            = false
  enable_local_preview  = true
  protect_from_deletion = true
}

# The partial backend configuration of infra/backend.tf.
resource "spacelift_environment_variable" "infra_backend" {
  stack_id   = spacelift_stack.infra.id
  name       = "TF_CLI_ARGS_init"
  value      = "-backend-config=bucket=${var.state_bucket} -backend-config=key=my-service/infra.tfstate -backend-config=region=${var.aws_region}"
  write_only = false
}

resource "spacelift_stack" "k8s" {
  name        = "my-service-k8s"
  slug        = "my-service-k8s"
  description = "Kubernetes manifests of my-service (k8s/overlays/eks)."
  space_id    = var.space_id

  repository   = var.repository
  branch       = var.branch
  project_root = "k8s/overlays/eks"
  labels       = local.labels
  runner_image = var.k8s_runner_image
  # Spacelift's public workers have no published addresses (support.spacelift.io, "What are
  # Spacelift's outgoing IPs"), so they cannot reach a private endpoint, nor one restricted to
  # admin CIDRs: the Kubernetes stack runs on a private worker pool whose workers reach the
  # endpoint (inside the VPC, or behind a NAT address listed in public_access_cidrs).
  worker_pool_id = var.k8s_worker_pool_id

  kubernetes {
    namespace       = "my-service"
    kubectl_version = var.kubectl_version
  }

  autodeploy            = false
  enable_local_preview  = true
  protect_from_deletion = true
}

# The Kubernetes stack runs after the infra stack, with infra's outputs as its inputs.
resource "spacelift_stack_dependency" "k8s_on_infra" {
  stack_id            = spacelift_stack.k8s.id
  depends_on_stack_id = spacelift_stack.infra.id
}

resource "spacelift_stack_dependency_reference" "k8s_inputs" {
  for_each = local.k8s_inputs

  stack_dependency_id = spacelift_stack_dependency.k8s_on_infra.id
  output_name         = each.key
  input_name          = each.value
}
