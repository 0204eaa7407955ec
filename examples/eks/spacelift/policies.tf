# Checked on every plan of the infra stack: see policies/plan.rego. It reads plain values, which
# the stack's smart sanitization provides (terraform_smart_sanitization in stacks.tf).
resource "spacelift_policy" "plan" {
  name     = "my-service-infra-plan"
  type     = "PLAN"
  space_id = var.space_id
  labels   = local.labels
  body     = file("${path.module}/policies/plan.rego")
  # The provider's default is REGO_V0; the policy is written in Rego v1 (`if`, `contains`).
  engine_type = "REGO_V1"
}

resource "spacelift_policy_attachment" "infra_plan" {
  policy_id = spacelift_policy.plan.id
  stack_id  = spacelift_stack.infra.id
}
