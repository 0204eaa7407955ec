locals {
  # The AMI's architecture must match the instance type's: Graviton types (a `g` among the
  # attributes after the generation, as in m7g, c7gn, r8gd, or the a1 family) are arm64, the
  # rest x86_64 (docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html).
  # scaffolder.clouds.ec2_architecture is the same rule; the answers refuse accelerated types.
  node_arm64    = can(regex("^(a[0-9]+|[a-z]+[0-9]+[a-z]*g[a-z]*)(-flex)?\\.", var.node_machine_type))
  node_ami_type = local.node_arm64 ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD"
}

resource "aws_iam_role" "nodes" {
  name                 = "${var.name}-nodes"
  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "nodes" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
  ])

  role       = aws_iam_role.nodes.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}

resource "aws_launch_template" "nodes" {
  name_prefix = "${var.name}-nodes-"
  description = "Nodes of ${var.name}: IMDSv2 only, encrypted root volume."

  # IMDSv2 with a hop limit of 1: pods cannot reach the node's instance metadata and role.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 50
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = aws_kms_key.this.arn
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${var.name}-node" })
  }
}

resource "aws_eks_node_group" "this" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.name}-nodes"
  node_role_arn   = aws_iam_role.nodes.arn
  subnet_ids      = aws_subnet.private[*].id
  ami_type        = local.node_ami_type
  instance_types  = [var.node_machine_type]
  version         = var.kubernetes_version

  scaling_config {
    min_size     = var.node_min_count
    max_size     = var.node_max_count
    desired_size = var.node_min_count
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  lifecycle {
    # Scaling (or you) changes the size; a plan must not reset it.
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.nodes]
}
