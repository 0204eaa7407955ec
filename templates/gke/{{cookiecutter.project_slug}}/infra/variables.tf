variable "project_id" {
  description = "GCP project that hosts the cluster, its network and the image registry."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "A GCP project id: 6 to 30 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the regional cluster, its subnet, router and registry."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "A GCP region such as europe-west1."
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
  description = "Private IPv4 range of the VPC; the node, pod and service ranges are derived from it."
  type        = string

  validation {
    condition = (
      can(cidrhost(var.network_cidr, 0)) &&
      tonumber(split("/", var.network_cidr)[1]) >= 8 &&
      tonumber(split("/", var.network_cidr)[1]) <= 16
    )
    error_message = "A CIDR block with a prefix from /8 to /16, e.g. 10.10.0.0/16."
  }
}

variable "node_machine_type" {
  description = "Machine type of the nodes."
  type        = string
  default     = "e2-standard-4"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-([a-z]+-[0-9]+(-lssd)?|custom-[0-9]+-[0-9]+(-ext)?|micro|small|medium)$", var.node_machine_type))
    error_message = "A GCP machine type such as e2-standard-4 or n2-custom-4-16384."
  }
}

variable "node_min_count" {
  description = "Minimum number of nodes per zone (the cluster is regional: three zones)."
  type        = number
  default     = 1

  validation {
    condition     = var.node_min_count >= 0 && floor(var.node_min_count) == var.node_min_count
    error_message = "A whole number, 0 or more."
  }
}

variable "node_max_count" {
  description = "Maximum number of nodes per zone."
  type        = number
  default     = 3

  validation {
    condition     = var.node_max_count >= 1 && var.node_max_count >= var.node_min_count
    error_message = "At least 1, and not below node_min_count."
  }
}

variable "release_channel" {
  description = "GKE release channel: RAPID, REGULAR or STABLE."
  type        = string
  default     = "REGULAR"

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "One of RAPID, REGULAR, STABLE."
  }
}

variable "master_authorized_networks" {
  description = "CIDR blocks allowed to reach the cluster's control plane (your office, VPN or CI)."
  type = list(object({
    cidr_block   = string
    display_name = string
  }))
  default = []

  validation {
    condition     = alltrue([for network in var.master_authorized_networks : can(cidrhost(network.cidr_block, 0)) && network.cidr_block != "0.0.0.0/0"])
    error_message = "Valid CIDR blocks only, and never 0.0.0.0/0."
  }
}

variable "deletion_protection" {
  description = "Refuse to destroy the cluster and the database. Set to false and apply before a destroy (see README)."
  type        = bool
  default     = true
}

variable "app_namespace" {
  description = "Kubernetes namespace of the app (k8s/base)."
  type        = string
}

variable "app_service_account" {
  description = "Kubernetes service account of the app, bound to a GCP service account through Workload Identity."
  type        = string
}

variable "labels" {
  description = "Extra labels for every resource."
  type        = map(string)
  default     = {}
}

variable "database_version" {
  description = "Cloud SQL PostgreSQL major version. 15 or later: the IAM user's rights rely on PostgreSQL 15's `pg_database_owner` (database.tf)."
  type        = string
  # The newest major version the Cloud SQL Admin API lists (SqlDatabaseVersion, v1beta4).
  default = "POSTGRES_18"

  validation {
    condition     = contains(["POSTGRES_15", "POSTGRES_16", "POSTGRES_17", "POSTGRES_18"], var.database_version)
    error_message = "One of POSTGRES_15, POSTGRES_16, POSTGRES_17, POSTGRES_18."
  }
}

variable "database_tier" {
  description = "Cloud SQL machine tier (Enterprise edition), e.g. db-custom-2-7680: 2 vCPUs, 7.5 GiB."
  type        = string
  default     = "db-custom-2-7680"

  validation {
    condition     = can(regex("^db-(custom-[0-9]+-[0-9]+|g1-small|f1-micro)$", var.database_tier))
    error_message = "A Cloud SQL Enterprise tier such as db-custom-2-7680."
  }
}

variable "database_availability_type" {
  description = "REGIONAL: a standby in another zone with automatic failover; ZONAL: one zone, no standby."
  type        = string
  default     = "REGIONAL"

  validation {
    condition     = contains(["REGIONAL", "ZONAL"], var.database_availability_type)
    error_message = "REGIONAL or ZONAL."
  }
}
