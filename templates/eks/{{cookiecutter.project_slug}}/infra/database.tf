# The app's PostgreSQL: RDS in the private subnets, reachable only from the cluster's nodes and
# pods, encrypted with the cluster's key, TLS only, with backups and point-in-time recovery.
#
# The password is never typed or copied: RDS creates the master password, keeps it in Secrets
# Manager (encrypted with the same key) and rotates it
# (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html); the Secrets Store
# CSI driver mounts it into the app's pods through Pod Identity (cluster.tf, ../k8s/overlays/eks).
resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "Private subnets of ${var.name}'s database."
  subnet_ids  = aws_subnet.private[*].id
}

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "PostgreSQL of ${var.name}: reachable from the cluster's nodes and pods only."
  vpc_id      = aws_vpc.this.id
}

# Managed node groups and their pods use the cluster security group EKS creates (the launch
# template names no other group), so this one source covers nodes and pods and nothing else
# (docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html).
resource "aws_vpc_security_group_ingress_rule" "database_from_cluster" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the cluster's nodes and pods."
  referenced_security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_db_parameter_group" "this" {
  name        = "${var.name}-postgres${var.database_engine_version}"
  family      = "postgres${var.database_engine_version}"
  description = "TLS-only connections and query logging for ${var.name}."

  # Connections without TLS are refused (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html).
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Statements that change the schema, and every statement slower than a second, are logged.
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

# Enhanced Monitoring's agent publishes OS metrics to CloudWatch Logs with this role.
resource "aws_iam_role" "database_monitoring" {
  name                 = "${var.name}-database-monitoring"
  permissions_boundary = var.permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "database_monitoring" {
  role       = aws_iam_role.database_monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
{%- if cookiecutter.database_high_availability != "true" %}
  # checkov:skip=CKV_AWS_157:database_high_availability was answered false: one instance in one zone, restored from backups if the zone fails
{%- endif %}
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.database_engine_version
  instance_class = var.database_instance_class
  db_name        = var.database_name
  username       = var.database_username
  port           = 5432

  # RDS generates the password and keeps it in Secrets Manager under the cluster's key; nobody
  # sees it, and IAM authentication stays available for people (psql with a token).
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.this.arn
  iam_database_authentication_enabled = true

  allocated_storage     = var.database_storage_gb
  max_allocated_storage = var.database_storage_gb * 5
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false
  multi_az               = var.database_multi_az
  parameter_group_name   = aws_db_parameter_group.this.name
  # The CA the app verifies against (sslmode=verify-full with the region's bundle).
  ca_cert_identifier = "rds-ca-rsa2048-g1"

  # Daily snapshots kept for backup_retention_period days; within them, point-in-time recovery
  # to any second up to about five minutes ago (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html).
  backup_retention_period   = var.database_backup_retention_days
  backup_window             = "02:00-03:00"
  maintenance_window        = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"
  delete_automated_backups  = false

  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.database_monitoring.arn
  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.this.arn

  depends_on = [aws_iam_role_policy_attachment.database_monitoring]
}

# The app's role (registry.tf) reads the database secret, and nothing else, for the CSI driver.
resource "aws_iam_role_policy" "app_database_secret" {
  name = "read-database-secret"
  role = aws_iam_role.app.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadTheDatabaseSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = aws_db_instance.this.master_user_secret[0].secret_arn
      },
      {
        # The secret is encrypted with the cluster's key; Secrets Manager decrypts on the
        # caller's behalf only.
        Sid      = "DecryptTheDatabaseSecret"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.this.arn
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" }
        }
      },
    ]
  })
}
