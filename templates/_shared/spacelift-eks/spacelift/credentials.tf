{%- set slug = cookiecutter.project_slug -%}
locals {
  # Each stack has its own AWS integration and role, so a run holds only its stack's rights.
  # The roles' names are fixed so each integration can name its role before the role exists:
  # the role's trust policy needs the integration's external id, which needs the integration.
  integration_role_names = {
    infra = "{{ slug }}-spacelift-infra"
    k8s   = "{{ slug }}-spacelift-k8s"
  }
  # What infra/ names its roles (var.name is the slug); the stacks' own roles above match it
  # too, which is why the infra role is denied any change to them.
  infra_roles_arn     = "arn:aws:iam::${var.aws_account_id}:role/{{ slug }}-*"
  spacelift_roles_arn = "arn:aws:iam::${var.aws_account_id}:role/{{ slug }}-spacelift-*"
  # The only cluster the Kubernetes stack reaches: infra/ names it after the slug.
  cluster_name = "{{ slug }}"
  cluster_arn  = "arn:aws:eks:${var.aws_region}:${var.aws_account_id}:cluster/${local.cluster_name}"
}

# Runs assume the stack's role with short-lived credentials, and no access key exists anywhere.
resource "spacelift_aws_integration" "infra" {
  name                           = "{{ slug }}-infra"
  role_arn                       = "arn:aws:iam::${var.aws_account_id}:role/${local.integration_role_names.infra}"
  generate_credentials_in_worker = false
  space_id                       = var.space_id
  labels                         = local.labels
}

resource "spacelift_aws_integration" "k8s" {
  name                           = "{{ slug }}-k8s"
  role_arn                       = "arn:aws:iam::${var.aws_account_id}:role/${local.integration_role_names.k8s}"
  generate_credentials_in_worker = false
  space_id                       = var.space_id
  labels                         = local.labels
}

resource "spacelift_aws_integration_attachment" "infra" {
  integration_id = spacelift_aws_integration.infra.id
  stack_id       = spacelift_stack.infra.id
  read           = true
  write          = true

  # The role must trust the stack before Spacelift checks the attachment.
  depends_on = [aws_iam_role.infra]
}

resource "spacelift_aws_integration_attachment" "k8s" {
  integration_id = spacelift_aws_integration.k8s.id
  stack_id       = spacelift_stack.k8s.id
  read           = true
  write          = true

  depends_on = [aws_iam_role.k8s]
}

# The trust statement Spacelift expects, with the external id of the stack's attachment.
data "spacelift_aws_integration_attachment_external_id" "infra" {
  integration_id = spacelift_aws_integration.infra.id
  stack_id       = spacelift_stack.infra.id
  read           = true
  write          = true
}

data "spacelift_aws_integration_attachment_external_id" "k8s" {
  integration_id = spacelift_aws_integration.k8s.id
  stack_id       = spacelift_stack.k8s.id
  read           = true
  write          = true
}

resource "aws_iam_role" "infra" {
  name                 = local.integration_role_names.infra
  description          = "Assumed by the Spacelift stack {{ slug }}-infra."
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [jsondecode(data.spacelift_aws_integration_attachment_external_id.infra.assume_role_policy_statement)]
  })
}

resource "aws_iam_role" "k8s" {
  name                 = local.integration_role_names.k8s
  description          = "Assumed by the Spacelift stack {{ slug }}-k8s."
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [jsondecode(data.spacelift_aws_integration_attachment_external_id.k8s.assume_role_policy_statement)]
  })
}

# The permissions boundary every role infra/ creates must carry: whatever is attached to such a
# role, it can do no more than the services of the cluster need, and nothing in IAM, so a role
# the infra stack creates can never grant more than the infra stack holds. It grants nothing by
# itself. The app's role (infra/registry.tf) is bounded too: widen this policy here, in the
# management stack, for what the app needs.
resource "aws_iam_policy" "boundary" {
  name        = "{{ slug }}-boundary"
  description = "Permissions boundary of the IAM roles the {{ slug }}-infra stack creates."

  # checkov:skip=CKV_AWS_290: a permissions boundary grants nothing; it caps the roles infra/ creates at what their AWS managed policies allow
  # checkov:skip=CKV_AWS_355: a permissions boundary grants nothing; Describe calls and the node and CSI roles' resources cannot be named in advance
  # checkov:skip=CKV_AWS_289: a permissions boundary grants nothing; KMS grants are how EBS and EKS use the cluster's key
  # checkov:skip=CKV_AWS_287: a permissions boundary grants nothing; nodes need ecr:GetAuthorizationToken to pull the app's image
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "ClusterServices"
        Effect = "Allow"
        Action = [
          # AmazonEKSClusterPolicy, AmazonEKS_CNI_Policy, AmazonEBSCSIDriverPolicy: the control
          # plane's load balancers and ENIs, the nodes' network, the CSI driver's volumes.
          "ec2:*",
          "elasticloadbalancing:*",
          "autoscaling:Describe*",
          "autoscaling:UpdateAutoScalingGroup",
          # The Cluster Autoscaler's role resizes the node group (infra/autoscaler.tf).
          "autoscaling:SetDesiredCapacity",
          "autoscaling:TerminateInstanceInAutoScalingGroup",
          "eks:DescribeNodegroup",
          # AmazonEKSWorkerNodePolicy: nodes join the cluster and serve Pod Identity.
          "eks:DescribeCluster",
          "eks-auth:AssumeRoleForPodIdentity",
          # AmazonEC2ContainerRegistryReadOnly: nodes pull images.
          "ecr:GetAuthorizationToken",
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
          "ecr:DescribeImages",
          "ecr:DescribeRepositories",
          # The flow-logs role writes to its log group (infra/network.tf); AmazonRDSEnhancedMonitoringRole
          # creates and fills the RDSOSMetrics group (infra/database.tf).
          "logs:CreateLogGroup",
          "logs:PutRetentionPolicy",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "logs:DescribeLogGroups",
          "logs:DescribeLogStreams",
          "logs:GetLogEvents",
          # The cluster and the CSI driver use the customer-managed key (infra/kms.tf).
          "kms:CreateGrant",
          "kms:DescribeKey",
          "kms:Decrypt",
          "kms:Encrypt",
          "kms:GenerateDataKey*",
          "kms:ReEncrypt*",
          # AmazonEKSClusterPolicy creates the load balancers' service-linked role; its policy
          # is fixed by AWS.
          "iam:CreateServiceLinkedRole",
        ]
        Resource = "*"
      },
      {
        # The app's role reads the database secret for the Secrets Store CSI driver
        # (infra/database.tf names the one secret); RDS names the secrets it manages rds!db-<id>
        # (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
        Sid      = "RdsManagedSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = "arn:aws:secretsmanager:${var.aws_region}:${var.aws_account_id}:secret:rds!db-*"
      },
    ]
  })
}

# infra/ manages networking, EKS, EC2, KMS, ECR, S3 state and logs. PowerUserAccess (every
# service but IAM, Organizations and Account) stays on this role for now: a scoped list of those
# services' actions has to be proven against a real apply and destroy first. It grants no IAM
# role or policy changes: those come only from the policy below.
resource "aws_iam_role_policy_attachment" "infra_power_user" {
  role       = aws_iam_role.infra.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role_policy" "infra_iam" {
  name = "manage-{{ slug }}-roles"
  role = aws_iam_role.infra.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Creating a role or widening its rights needs the boundary on it, so every role the
        # stack creates or changes is capped by it (iam:PermissionsBoundary).
        Sid    = "GrantOnlyWithinTheBoundary"
        Effect = "Allow"
        Action = [
          "iam:CreateRole",
          "iam:PutRolePermissionsBoundary",
          "iam:AttachRolePolicy",
          "iam:PutRolePolicy",
        ]
        Resource = local.infra_roles_arn
        Condition = {
          StringEquals = { "iam:PermissionsBoundary" = aws_iam_policy.boundary.arn }
        }
      },
      {
        # Reading, tagging, narrowing and deleting the roles infra/ creates: none adds a right.
        Sid    = "ManageTheProjectRoles"
        Effect = "Allow"
        Action = [
          "iam:GetRole",
          "iam:DeleteRole",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:DetachRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
          "iam:ListRoleTags",
        ]
        Resource = local.infra_roles_arn
      },
      {
        # The cluster and node roles go to EKS, the flow-logs role to VPC Flow Logs, the app
        # and CSI roles to Pod Identity, the database monitoring role to RDS Enhanced
        # Monitoring; EC2 for the nodes' instances. No other service.
        Sid      = "PassTheProjectRolesToTheirServices"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = local.infra_roles_arn
        Condition = {
          StringEquals = {
            "iam:PassedToService" = [
              "eks.amazonaws.com",
              "ec2.amazonaws.com",
              "vpc-flow-logs.amazonaws.com",
              "pods.eks.amazonaws.com",
              "monitoring.rds.amazonaws.com",
            ]
          }
        }
      },
      {
        # A role without its boundary would be uncapped.
        Sid      = "KeepBoundaries"
        Effect   = "Deny"
        Action   = "iam:DeleteRolePermissionsBoundary"
        Resource = "*"
      },
      {
        # The boundary itself is the management stack's to change.
        Sid    = "KeepTheBoundaryPolicy"
        Effect = "Deny"
        Action = [
          "iam:CreatePolicyVersion",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:SetDefaultPolicyVersion",
          "iam:TagPolicy",
          "iam:UntagPolicy",
        ]
        Resource = aws_iam_policy.boundary.arn
      },
      {
        # The stacks' own roles match the project prefix; they are the management stack's.
        Sid      = "KeepTheStackRoles"
        Effect   = "Deny"
        Action   = "iam:*"
        Resource = local.spacelift_roles_arn
      },
    ]
  })
}

# Every role infra/ creates carries the boundary; infra/variables.tf takes it as this variable.
resource "spacelift_environment_variable" "infra_permissions_boundary" {
  stack_id   = spacelift_stack.infra.id
  name       = "TF_VAR_permissions_boundary_arn"
  value      = aws_iam_policy.boundary.arn
  write_only = false
}

# The Kubernetes stack acts inside the cluster through its own access entry. It is made here,
# where its role is made: EKS refuses an entry for a principal that does not exist yet
# ("principalArn is invalid"), so infra/, applied first, cannot hold it; and an entry that no
# apply of infra/ owns cannot be removed by one. The cluster exists by then (README: infra is
# applied before this stack's first run). On teardown it outlives the Kubernetes stack's destroy
# (destructors.tf); deleting the cluster deletes it too, and its own delete then finds nothing.
resource "aws_eks_access_entry" "k8s" {
  cluster_name  = local.cluster_name
  principal_arn = aws_iam_role.k8s.arn
}

# Cluster-wide, because the stack applies the app's Namespace, a cluster-scoped object.
resource "aws_eks_access_policy_association" "k8s" {
  cluster_name  = local.cluster_name
  principal_arn = aws_eks_access_entry.k8s.principal_arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# The Kubernetes stack only reaches the cluster: `aws eks update-kubeconfig` reads the cluster's
# endpoint and certificate (eks:DescribeCluster); the token `aws eks get-token` makes is a
# presigned STS call that needs no permission. What it may do inside the cluster comes from its
# access entry (above). Its hooks compare the overlay's
# image with an output, so it needs no ECR access.
resource "aws_iam_role_policy" "k8s_cluster" {
  name = "reach-{{ slug }}-cluster"
  role = aws_iam_role.k8s.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "DescribeTheCluster"
      Effect   = "Allow"
      Action   = "eks:DescribeCluster"
      Resource = local.cluster_arn
    }]
  })
}
