{%- set slug = cookiecutter.project_slug -%}
locals {
  # The role's name is fixed so the integration can name it before the role exists: the role's
  # trust policy needs the integration's external ids, which need the integration.
  integration_role_name = "{{ slug }}-spacelift"
  integration_stacks = {
    infra = spacelift_stack.infra.id
    k8s   = spacelift_stack.k8s.id
  }
}

# One AWS integration for both stacks: runs assume the role with short-lived credentials, and
# no access key exists anywhere.
resource "spacelift_aws_integration" "this" {
  name                           = "{{ slug }}"
  role_arn                       = "arn:aws:iam::${var.aws_account_id}:role/${local.integration_role_name}"
  generate_credentials_in_worker = false
  space_id                       = var.space_id
  labels                         = local.labels
}

resource "spacelift_aws_integration_attachment" "stacks" {
  for_each = local.integration_stacks

  integration_id = spacelift_aws_integration.this.id
  stack_id       = each.value
  read           = true
  write          = true

  # The role must trust the stack before Spacelift checks the attachment.
  depends_on = [aws_iam_role.spacelift]
}

# The trust statement Spacelift expects, with the external id of each stack's attachment.
data "spacelift_aws_integration_attachment_external_id" "stacks" {
  for_each = local.integration_stacks

  integration_id = spacelift_aws_integration.this.id
  stack_id       = each.value
  read           = true
  write          = true
}

resource "aws_iam_role" "spacelift" {
  name                 = local.integration_role_name
  description          = "Assumed by the Spacelift stacks of {{ slug }}."
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      for stack in keys(local.integration_stacks) :
      jsondecode(data.spacelift_aws_integration_attachment_external_id.stacks[stack].assume_role_policy_statement)
    ]
  })
}

# infra/ manages networking, EKS, EC2, KMS, ECR and logs (PowerUserAccess), and IAM only for the
# roles it names, which all start with the project slug.
resource "aws_iam_role_policy_attachment" "spacelift_power_user" {
  role       = aws_iam_role.spacelift.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role_policy" "spacelift_iam" {
  name = "manage-{{ slug }}-roles"
  role = aws_iam_role.spacelift.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:PassRole",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
      ]
      Resource = "arn:aws:iam::${var.aws_account_id}:role/{{ slug }}-*"
    }]
  })
}
