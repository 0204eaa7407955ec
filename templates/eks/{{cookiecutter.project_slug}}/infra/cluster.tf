resource "aws_iam_role" "cluster" {
  name                 = "${var.name}-cluster"
  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# Control-plane logs exist before the cluster writes to them, with the retention and key set.
resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_security_group" "cluster" {
  name        = "${var.name}-cluster"
  description = "Extra rules of the EKS control plane of ${var.name}; EKS manages its own group too."
  vpc_id      = aws_vpc.this.id

  egress {
    description = "Control plane to nodes and VPC endpoints inside the VPC."
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [var.network_cidr]
  }
}

resource "aws_eks_cluster" "this" {
{%- if cookiecutter.admin_cidrs %}
  # checkov:skip=CKV_AWS_39:admin_cidrs was answered: the endpoint is public to those ranges only (public_access_cidrs), never to 0.0.0.0/0
{%- endif %}
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = aws_subnet.private[*].id
    security_group_ids      = [aws_security_group.cluster.id]
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  # Access entries only (no aws-auth ConfigMap); the creator gets admin through an explicit
  # entry below, not implicitly.
  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = false
  }

  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = aws_kms_key.this.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_cloudwatch_log_group.cluster,
  ]
}

# Cluster admins are listed explicitly, never derived from whoever applies: a plan by another
# identity (Spacelift's infra role, a colleague) must not remove someone's access. The Kubernetes
# stack's role gets its entry from the management stack, which creates that role
# (spacelift/credentials.tf): an entry for a role that does not exist yet fails ("principalArn
# is invalid").
resource "aws_eks_access_entry" "admins" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
}

resource "aws_eks_access_policy_association" "admins" {
  for_each = aws_eks_access_entry.admins

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value.principal_arn
  policy_arn    = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# Add-ons: Pod Identity (how pods get IAM roles), networking, DNS, the EBS CSI driver with its
# own role through Pod Identity, the metrics the HPA scales on, and the Secrets Store CSI driver
# that mounts the database password.
resource "aws_eks_addon" "pod_identity" {
  cluster_name = aws_eks_cluster.this.name
  addon_name   = "eks-pod-identity-agent"
}

resource "aws_eks_addon" "core" {
  for_each = toset(["coredns", "kube-proxy"])

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.value
  resolve_conflicts_on_update = "OVERWRITE"

  depends_on = [aws_eks_node_group.this]
}

# The VPC CNI enforces NetworkPolicy only when asked to: without enableNetworkPolicy every
# policy in k8s/base is accepted and ignored (docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html).
# EKS installs a self-managed VPC CNI with the cluster; the add-on takes it over with this
# configuration (OVERWRITE on create too, or the changed settings conflict and creation fails).
resource "aws_eks_addon" "vpc_cni" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "vpc-cni"
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  configuration_values        = jsonencode({ enableNetworkPolicy = "true" })

  depends_on = [aws_eks_node_group.this]
}

# The HorizontalPodAutoscaler reads CPU use from the metrics API, which nothing serves on a new
# EKS cluster; metrics-server is an EKS community add-on
# (docs.aws.amazon.com/eks/latest/userguide/community-addons.html).
resource "aws_eks_addon" "metrics_server" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "metrics-server"
  resolve_conflicts_on_update = "OVERWRITE"

  depends_on = [aws_eks_node_group.this]
}

# The Secrets Store CSI driver with the AWS provider (ASCP), as an EKS add-on: it mounts the
# database secret into the app's pods with the pod's own Pod Identity role, and re-reads it
# every two minutes so a rotated password reaches the mounted file
# (docs.aws.amazon.com/secretsmanager/latest/userguide/ascp-pod-identity-integration.html).
resource "aws_eks_addon" "secrets_store" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "aws-secrets-store-csi-driver-provider"
  resolve_conflicts_on_update = "OVERWRITE"
  configuration_values = jsonencode({
    secrets-store-csi-driver = {
      enableSecretRotation = true
      rotationPollInterval = "2m"
    }
  })

  depends_on = [aws_eks_addon.pod_identity, aws_eks_node_group.this]
}

resource "aws_iam_role" "ebs_csi" {
  name                 = "${var.name}-ebs-csi"
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.pod_identity_trust.json
}

resource "aws_iam_role_policy_attachment" "ebs_csi" {
  role       = aws_iam_role.ebs_csi.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}

resource "aws_eks_addon" "ebs_csi" {
  cluster_name = aws_eks_cluster.this.name
  addon_name   = "aws-ebs-csi-driver"

  pod_identity_association {
    role_arn        = aws_iam_role.ebs_csi.arn
    service_account = "ebs-csi-controller-sa"
  }

  depends_on = [aws_eks_addon.pod_identity, aws_eks_node_group.this]
}

data "aws_iam_policy_document" "pod_identity_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}
