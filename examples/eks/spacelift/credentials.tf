locals {
  # Each stack has its own AWS integration and role, so a run holds only its stack's rights.
  # The roles' names are fixed so each integration can name its role before the role exists:
  # the role's trust policy needs the integration's external id, which needs the integration.
  integration_role_names = {
    infra = "my-service-spacelift-infra"
    k8s   = "my-service-spacelift-k8s"
  }
  # What infra/ names its roles (var.name is the slug); the stacks' own roles above match it
  # too, which is why the infra role is denied any change to them.
  infra_roles_arn     = "arn:aws:iam::${var.aws_account_id}:role/my-service-*"
  spacelift_roles_arn = "arn:aws:iam::${var.aws_account_id}:role/my-service-spacelift-*"
  # The only cluster the Kubernetes stack reaches: infra/ names it after the slug.
  cluster_name = "my-service"
  cluster_arn  = "arn:aws:eks:${var.aws_region}:${var.aws_account_id}:cluster/${local.cluster_name}"
}

# Runs assume the stack's role with short-lived credentials, and no access key exists anywhere.
resource "spacelift_aws_integration" "infra" {
  name                           = "my-service-infra"
  role_arn                       = "arn:aws:iam::${var.aws_account_id}:role/${local.integration_role_names.infra}"
  generate_credentials_in_worker = false
  space_id                       = var.space_id
  labels                         = local.labels
}

resource "spacelift_aws_integration" "k8s" {
  name                           = "my-service-k8s"
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
  description          = "Assumed by the Spacelift stack my-service-infra."
  max_session_duration = 3600
  permissions_boundary = aws_iam_policy.stack_boundary.arn
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [jsondecode(data.spacelift_aws_integration_attachment_external_id.infra.assume_role_policy_statement)]
  })
}

resource "aws_iam_role" "k8s" {
  name                 = local.integration_role_names.k8s
  description          = "Assumed by the Spacelift stack my-service-k8s."
  max_session_duration = 3600
  permissions_boundary = aws_iam_policy.stack_boundary.arn
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [jsondecode(data.spacelift_aws_integration_attachment_external_id.k8s.assume_role_policy_statement)]
  })
}

# The permissions boundary of the stacks' own roles: whatever is ever attached to them, they
# reach only the services infra/ and the cluster use, and in IAM only this project's roles.
# It grants nothing by itself; each role's policies below grant, within it.
resource "aws_iam_policy" "stack_boundary" {
  name        = "my-service-stack-boundary"
  description = "Permissions boundary of the roles the my-service Spacelift stacks assume."

  # checkov:skip=CKV_AWS_290: a permissions boundary grants nothing; it caps the stacks' roles at the services infra/ manages
  # checkov:skip=CKV_AWS_355: a permissions boundary grants nothing; the roles' own policies name the resources
  # checkov:skip=CKV_AWS_289: a permissions boundary grants nothing; IAM in it is limited to this project's roles
  # checkov:skip=CKV_AWS_288: a permissions boundary grants nothing; the roles' own policies limit reads to the state and the project's resources
  # checkov:skip=CKV_AWS_287: a permissions boundary grants nothing; no role policy grants credential-returning calls beyond the project's
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "TheServicesOfTheProject"
        Effect = "Allow"
        Action = [
          "ec2:*",
          "eks:*",
          "rds:*",
          "kms:*",
          "logs:*",
          "ecr:*",
          "s3:*",
          "secretsmanager:*",
          "iam:CreateServiceLinkedRole",
        ]
        Resource = "*"
      },
      {
        # Only the roles infra/ creates, which carry their own boundary (infra_iam).
        Sid    = "TheProjectRoles"
        Effect = "Allow"
        Action = [
          "iam:CreateRole",
          "iam:DeleteRole",
          "iam:GetRole",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:PutRolePermissionsBoundary",
          "iam:AttachRolePolicy",
          "iam:DetachRolePolicy",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
          "iam:ListRoleTags",
          "iam:PassRole",
        ]
        Resource = local.infra_roles_arn
      },
      {
        Sid      = "NotTheStackRoles"
        Effect   = "Deny"
        Action   = "iam:*"
        Resource = local.spacelift_roles_arn
      },
    ]
  })
}

# The permissions boundary every role infra/ creates must carry: whatever is attached to such a
# role, it can do no more than the services of the cluster need, and nothing in IAM, so a role
# the infra stack creates can never grant more than the infra stack holds. It grants nothing by
# itself. The app's role (infra/registry.tf) is bounded too: widen this policy here, in the
# management stack, for what the app needs.
resource "aws_iam_policy" "boundary" {
  name        = "my-service-boundary"
  description = "Permissions boundary of the IAM roles the my-service-infra stack creates."

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

# What infra/ manages, service by service, instead of PowerUserAccess (every service but IAM):
# each statement names the resources of this project where the service lets a policy name
# them before they exist, and says why where it cannot. IAM comes only from infra_iam below.
resource "aws_iam_role_policy" "infra_services" {
  name = "manage-my-service-infrastructure"
  role = aws_iam_role.infra.id

  # checkov:skip=CKV_AWS_290: EC2's VPC, subnet, gateway, route and security group ids and KMS key ids exist only once created, so those statements are limited to the region (EC2) or the account's keys (KMS) instead
  # checkov:skip=CKV_AWS_355: Describe and List calls, ec2:* (resource ids unknown before creation) and kms:CreateKey cannot name resources; the rest name this project's ARNs
  # checkov:skip=CKV_AWS_289: kms:* on this account's keys in the region: key ids are unknown before creation, and the key policy (infra/kms.tf) decides who may use a key
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The VPC, its subnets, gateways, routes, security groups, flow logs, addresses and
        # the nodes' launch template: EC2 names them by ids that exist only after creation.
        Sid      = "NetworkAndLaunchTemplateInTheRegion"
        Effect   = "Allow"
        Action   = "ec2:*"
        Resource = "*"
        Condition = {
          StringEquals = { "aws:RequestedRegion" = var.aws_region }
        }
      },
      {
        # The cluster, its node group, add-ons, access entries and Pod Identity associations.
        Sid    = "TheCluster"
        Effect = "Allow"
        Action = "eks:*"
        Resource = [
          local.cluster_arn,
          "arn:aws:eks:${var.aws_region}:${var.aws_account_id}:nodegroup/${local.cluster_name}/*",
          "arn:aws:eks:${var.aws_region}:${var.aws_account_id}:addon/${local.cluster_name}/*",
          "arn:aws:eks:${var.aws_region}:${var.aws_account_id}:access-entry/${local.cluster_name}/*",
          "arn:aws:eks:${var.aws_region}:${var.aws_account_id}:podidentityassociation/${local.cluster_name}/*",
        ]
      },
      {
        # Add-on versions and their configuration schemas are account-wide reads.
        Sid      = "EksReads"
        Effect   = "Allow"
        Action   = ["eks:DescribeAddonVersions", "eks:DescribeAddonConfiguration", "eks:ListClusters"]
        Resource = "*"
      },
      {
        # The database, its subnet group, parameter group and final snapshot; RDS's default
        # option group of the engine.
        Sid    = "TheDatabase"
        Effect = "Allow"
        Action = "rds:*"
        Resource = [
          "arn:aws:rds:${var.aws_region}:${var.aws_account_id}:db:my-service",
          "arn:aws:rds:${var.aws_region}:${var.aws_account_id}:subgrp:my-service",
          "arn:aws:rds:${var.aws_region}:${var.aws_account_id}:pg:my-service-*",
          "arn:aws:rds:${var.aws_region}:${var.aws_account_id}:snapshot:my-service-final",
          "arn:aws:rds:${var.aws_region}:${var.aws_account_id}:og:default:*",
        ]
      },
      {
        Sid      = "RdsReads"
        Effect   = "Allow"
        Action   = "rds:Describe*"
        Resource = "*"
      },
      {
        # RDS creates and rotates the master password's secret with the caller's rights
        # (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html); RDS
        # names its secrets rds!db-<id>.
        Sid    = "TheDatabasePasswordSecret"
        Effect = "Allow"
        Action = [
          "secretsmanager:CreateSecret",
          "secretsmanager:DeleteSecret",
          "secretsmanager:DescribeSecret",
          "secretsmanager:RotateSecret",
          "secretsmanager:TagResource",
        ]
        Resource = "arn:aws:secretsmanager:${var.aws_region}:${var.aws_account_id}:secret:rds!db-*"
      },
      {
        # The customer-managed key and its alias; key ids exist only after creation, and the
        # key policy (infra/kms.tf) decides who may use a key.
        Sid    = "TheKey"
        Effect = "Allow"
        Action = "kms:*"
        Resource = [
          "arn:aws:kms:${var.aws_region}:${var.aws_account_id}:key/*",
          "arn:aws:kms:${var.aws_region}:${var.aws_account_id}:alias/my-service",
        ]
      },
      {
        Sid      = "CreateKeys"
        Effect   = "Allow"
        Action   = ["kms:CreateKey", "kms:ListAliases"]
        Resource = "*"
      },
      {
        # The control plane's and the flow logs' log groups.
        Sid    = "TheLogGroups"
        Effect = "Allow"
        Action = "logs:*"
        Resource = [
          "arn:aws:logs:${var.aws_region}:${var.aws_account_id}:log-group:/aws/eks/my-service/*",
          "arn:aws:logs:${var.aws_region}:${var.aws_account_id}:log-group:/aws/vpc/my-service/*",
        ]
      },
      {
        Sid      = "LogReads"
        Effect   = "Allow"
        Action   = "logs:DescribeLogGroups"
        Resource = "arn:aws:logs:${var.aws_region}:${var.aws_account_id}:log-group:*"
      },
      {
        Sid      = "TheImageRepository"
        Effect   = "Allow"
        Action   = "ecr:*"
        Resource = "arn:aws:ecr:${var.aws_region}:${var.aws_account_id}:repository/my-service"
      },
      {
        # The stack's state and its lock file (infra/backend.tf), in the state bucket.
        Sid      = "ListTheStateBucket"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::${var.state_bucket}"
      },
      {
        Sid      = "ReadAndWriteTheState"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "arn:aws:s3:::${var.state_bucket}/my-service/*"
      },
      {
        # The first cluster, node group, database and load balancer of an account create
        # their service-linked roles, whose policies AWS fixes.
        Sid      = "ServiceLinkedRoles"
        Effect   = "Allow"
        Action   = "iam:CreateServiceLinkedRole"
        Resource = "*"
        Condition = {
          StringEquals = {
            "iam:AWSServiceName" = [
              "eks.amazonaws.com",
              "eks-nodegroup.amazonaws.com",
              "autoscaling.amazonaws.com",
              "rds.amazonaws.com",
              "elasticloadbalancing.amazonaws.com",
            ]
          }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "infra_iam" {
  name = "manage-my-service-roles"
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
        Resource = [aws_iam_policy.boundary.arn, aws_iam_policy.stack_boundary.arn]
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
  name = "reach-my-service-cluster"
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
