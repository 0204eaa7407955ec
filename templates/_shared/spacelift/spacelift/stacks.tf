{%- set slug = cookiecutter.project_slug -%}
{%- import "spacelift.jinja" as platform with context -%}
locals {
  labels = ["app:{{ slug }}", "managed-by:{{ slug }}-management", "platform:{{ cookiecutter._platform }}"]

  # Outputs of infra/ that the Kubernetes stack's hooks read (.spacelift/config.yml), and the
  # environment variable each arrives as.
  k8s_inputs = {
{%- set width = platform.k8s_inputs | map("length") | max %}
{%- for output, variable in platform.k8s_inputs.items() %}
    {{ output.ljust(width) }} = "{{ variable }}"
{%- endfor %}
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
  name        = "{{ slug }}-infra"
  slug        = "{{ slug }}-infra"
  description = "{{ cookiecutter._platform | upper }} cluster, network, IAM and registry of {{ slug }} (infra/)."
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
  value      = "{{ platform.infra_backend_config }}"
  write_only = false
}

resource "spacelift_stack" "k8s" {
  name        = "{{ slug }}-k8s"
  slug        = "{{ slug }}-k8s"
  description = "Kubernetes manifests of {{ slug }} (k8s/overlays/{{ cookiecutter._platform }})."
  space_id    = var.space_id

  repository   = var.repository
  branch       = var.branch
  project_root = "k8s/overlays/{{ cookiecutter._platform }}"
  labels       = local.labels
  runner_image = var.k8s_runner_image
{%- if platform.k8s_stack_settings is defined %}
{{- platform.k8s_stack_settings() }}
{%- endif %}

  kubernetes {
    namespace       = "{{ slug }}"
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
