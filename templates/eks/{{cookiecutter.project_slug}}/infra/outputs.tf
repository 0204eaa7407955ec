output "cluster_name" {
  description = "Name of the EKS cluster (for aws eks update-kubeconfig)."
  value       = aws_eks_cluster.this.name
}

output "region" {
  description = "Region of the cluster."
  value       = var.region
}

output "ecr_repository_url" {
  description = "ECR repository of the app's image: <ecr_repository_url>:<tag>."
  value       = aws_ecr_repository.app.repository_url
}

output "cluster_endpoint" {
  description = "API endpoint of the cluster."
  value       = aws_eks_cluster.this.endpoint
}

output "app_role_arn" {
  description = "IAM role the app's pods receive through Pod Identity."
  value       = aws_iam_role.app.arn
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}
