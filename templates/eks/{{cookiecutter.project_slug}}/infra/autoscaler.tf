# Node autoscaling: the Kubernetes Cluster Autoscaler, run by the Kubernetes stack
# (k8s/overlays/eks/cluster-autoscaler.yaml), resizes the managed node group between
# node_min_count and node_max_count when pods cannot be scheduled or nodes stay idle. Chosen
# over Karpenter, which replaces the managed node group with its own provisioning (and needs a
# controller, an SQS queue and EventBridge rules), and over EKS Auto Mode, which replaces the
# node group, the add-ons and the answers that size them; the Cluster Autoscaler works on the
# node group this stack already defines. EKS tags a managed node group's Auto Scaling group
# with k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<cluster>, which the
# autoscaler discovers (docs.aws.amazon.com/eks/latest/best-practices/cas.html).
resource "aws_iam_role" "cluster_autoscaler" {
  name                 = "${var.name}-cluster-autoscaler"
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.pod_identity_trust.json
}

# The permissions the Cluster Autoscaler's AWS documentation lists: read the groups, the
# launch templates and the instance types; change the size of, and terminate instances in,
# this cluster's groups only (the eks:cluster-name tag EKS puts on them)
# (github.com/kubernetes/autoscaler, cluster-autoscaler/cloudprovider/aws/README.md).
resource "aws_iam_role_policy" "cluster_autoscaler" {
  name = "scale-${var.name}-nodes"
  role = aws_iam_role.cluster_autoscaler.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Describe calls cannot be limited to resources.
        Sid    = "ReadGroupsAndInstanceTypes"
        Effect = "Allow"
        Action = [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ]
        Resource = "*"
      },
      {
        Sid      = "ReadTheNodeGroup"
        Effect   = "Allow"
        Action   = "eks:DescribeNodegroup"
        Resource = "arn:${data.aws_partition.current.partition}:eks:${var.region}:${var.account_id}:nodegroup/${var.name}/*/*"
      },
      {
        Sid    = "ResizeThisClustersGroups"
        Effect = "Allow"
        Action = [
          "autoscaling:SetDesiredCapacity",
          "autoscaling:TerminateInstanceInAutoScalingGroup",
        ]
        Resource = "*"
        Condition = {
          StringEquals = { "aws:ResourceTag/eks:cluster-name" = var.name }
        }
      },
    ]
  })
}

resource "aws_eks_pod_identity_association" "cluster_autoscaler" {
  cluster_name    = aws_eks_cluster.this.name
  namespace       = var.app_namespace
  service_account = "cluster-autoscaler"
  role_arn        = aws_iam_role.cluster_autoscaler.arn
}
