variable "account_id" {
  description = "AWS account that hosts the cluster; the provider refuses any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "A 12-digit AWS account id."
  }
}

variable "region" {
  description = "AWS region of the cluster."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}$", var.region))
    error_message = "An AWS region such as eu-west-1."
  }
}

variable "availability_zones" {
  description = "Availability zones of the subnets, listed explicitly so plans never depend on what AWS lists today."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "Two or three availability zones."
  }
}

variable "name" {
  description = "Name prefix of every resource (the project slug)."
  type        = string

  validation {
    condition     = can(regex("^[a-z](?:[a-z0-9-]{0,28}[a-z0-9])?$", var.name))
    error_message = "An RFC 1035 label (lowercase letters, digits and hyphens, a letter first) of at most 30 characters."
  }
}

variable "network_cidr" {
  description = "Private IPv4 range of the VPC; public and private subnets are derived from it."
  type        = string

  validation {
    condition = (
      can(cidrhost(var.network_cidr, 0)) &&
      tonumber(split("/", var.network_cidr)[1]) >= 8 &&
      tonumber(split("/", var.network_cidr)[1]) <= 16
    )
    error_message = "A CIDR block with a prefix from /8 to /16, e.g. 10.20.0.0/16."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper) instead of one per zone (survives a zone outage)."
  type        = bool
  default     = false
}

variable "kubernetes_version" {
  description = "Kubernetes version of the control plane and the nodes."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "A minor version such as 1.33."
  }
}

variable "endpoint_public_access" {
  description = "Expose the API endpoint publicly (restricted to public_access_cidrs). Off: reachable from the VPC only."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDR blocks allowed to reach a public API endpoint; never 0.0.0.0/0."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.public_access_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "Valid CIDR blocks only, and never 0.0.0.0/0."
  }
}

variable "admin_principal_arns" {
  description = "IAM roles or users that get cluster-admin through access entries: people, listed explicitly (never whoever applies). The Kubernetes stack's role gets its entry from the management stack."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "IAM role or user ARNs, e.g. arn:aws:iam::123456789012:role/admin (not an assumed-role session ARN)."
  }
}

variable "node_machine_type" {
  description = "EC2 instance type of the nodes; Graviton types (m7g.large) get the arm64 AMI type, others x86_64 (nodes.tf)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-flex)?\\.[a-z0-9]+$", var.node_machine_type))
    error_message = "An EC2 instance type such as m7i.large."
  }
}

variable "node_min_count" {
  description = "Minimum number of nodes."
  type        = number

  validation {
    condition     = var.node_min_count >= 1 && floor(var.node_min_count) == var.node_min_count
    error_message = "A whole number, at least 1 (the core add-ons need somewhere to run)."
  }
}

variable "node_max_count" {
  description = "Maximum number of nodes."
  type        = number

  validation {
    condition     = var.node_max_count >= var.node_min_count
    error_message = "Not below node_min_count."
  }
}

variable "app_namespace" {
  description = "Kubernetes namespace of the app (k8s/base)."
  type        = string
}

variable "app_service_account" {
  description = "Kubernetes service account of the app; EKS Pod Identity gives it its own IAM role."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep control-plane and VPC flow logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "IAM policy every role of this configuration carries as its permissions boundary. The management stack creates it (`<name>-boundary`) and passes it to the infra stack as TF_VAR_permissions_boundary_arn; that stack may create roles only with it. Null for a first apply by an administrator before the management stack exists: the infra stack's next run sets it."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary_arn))
    error_message = "An IAM policy ARN such as arn:aws:iam::123456789012:policy/my-service-boundary."
  }
}

variable "database_engine_version" {
  description = "Major PostgreSQL version of the database; RDS applies minor versions itself (auto_minor_version_upgrade)."
  type        = string
  default     = "17"

  validation {
    condition     = can(regex("^1[4-9]$", var.database_engine_version))
    error_message = "A PostgreSQL major version from 14, e.g. 17."
  }
}

variable "database_instance_class" {
  description = "RDS instance class of the database."
  type        = string
  default     = "db.m7g.large"
}

variable "database_storage_gb" {
  description = "Initial storage of the database in GiB; RDS grows it up to five times this."
  type        = number
  default     = 20

  validation {
    condition     = var.database_storage_gb >= 20
    error_message = "At least 20 GiB (the gp3 minimum for PostgreSQL)."
  }
}

variable "database_multi_az" {
  description = "A standby in a second zone with synchronous replication and automatic failover (Multi-AZ)."
  type        = bool
}

variable "database_backup_retention_days" {
  description = "Days of automated backups, and so of point-in-time recovery."
  type        = number
  default     = 14

  validation {
    condition     = var.database_backup_retention_days >= 7 && var.database_backup_retention_days <= 35
    error_message = "From 7 to 35 days."
  }
}

variable "database_name" {
  description = "Database the app connects to; its owner is the master user, so the app may create its tables."
  type        = string
  default     = "app"
}

variable "database_username" {
  description = "Master user of the database, the one the app connects as; RDS manages its password in Secrets Manager."
  type        = string
  default     = "app"
}
