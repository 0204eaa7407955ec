# Checked on every plan of the infra stack: see policies/plan.rego.
resource "spacelift_policy" "plan" {
  name     = "my-service-infra-plan"
  type     = "PLAN"
  space_id = var.space_id
  labels   = local.labels
  body     = file("${path.module}/policies/plan.rego")
}

resource "spacelift_policy_attachment" "infra_plan" {
  policy_id = spacelift_policy.plan.id
  stack_id  = spacelift_stack.infra.id
}
