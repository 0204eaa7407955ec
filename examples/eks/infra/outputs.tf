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

output "database_url" {
  description = "libpq URI of the database without a password (sslmode=verify-full); the app reads the password from the mounted secret."
  value       = "postgresql://${aws_db_instance.this.username}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${aws_db_instance.this.db_name}?sslmode=verify-full"
}

output "database_secret_arn" {
  description = "Secrets Manager secret RDS keeps the master password in (JSON with username and password)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}
