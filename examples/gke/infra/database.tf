# PostgreSQL on Cloud SQL, reachable only on a private IP inside the VPC, through Private
# Service Access: a range of the VPC is peered with Google's service producer network
# (cloud.google.com/sql/docs/postgres/configure-private-services-access).
resource "google_compute_global_address" "database" {
  name          = "${var.name}-database"
  description   = "Private Service Access range of ${var.name}'s Cloud SQL instance."
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  network       = google_compute_network.this.id
  address       = cidrhost(local.database_cidr, 0)
  prefix_length = tonumber(split("/", local.database_cidr)[1])
}

resource "google_service_networking_connection" "database" {
  network                 = google_compute_network.this.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.database.name]
  # Google removes the peering itself once no instance uses it; deleting it first fails while
  # the producer network still holds the (deleted, but retained) instance.
  deletion_policy = "ABANDON"
}

resource "google_sql_database_instance" "this" {
  name             = "${var.name}-db"
  region           = var.region
  database_version = var.database_version
  # Disks and backups are encrypted with the template's key (kms.tf).
  encryption_key_name = google_kms_crypto_key.database.id
  # Terraform refuses to destroy the instance; deletion_protection_enabled below makes the API
  # refuse too, whoever asks. Both go off in one apply before a destroy (README).
  deletion_protection = var.deletion_protection

  settings {
    tier    = var.database_tier
    edition = "ENTERPRISE"
    # REGIONAL: a standby in a second zone with synchronous replication and automatic failover.
    availability_type           = var.database_availability_type
    disk_type                   = "PD_SSD"
    disk_autoresize             = true
    deletion_protection_enabled = var.deletion_protection
    user_labels                 = local.labels

    ip_configuration {
      # No public IP: only the VPC reaches the instance.
      ipv4_enabled    = false
      private_network = google_compute_network.this.id
      # Every connection is TLS with a client certificate Cloud SQL issued, which is what the
      # Auth Proxy presents; plain or server-only TLS connections are refused.
      ssl_mode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }

    # Only the Cloud SQL connectors (the Auth Proxy) may connect: they verify the server's
    # identity and authenticate with IAM (cloud.google.com/sql/docs/postgres/connect-auth-proxy).
    connector_enforcement = "REQUIRED"

    backup_configuration {
      enabled                        = true
      start_time                     = "02:00"
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = 7

      backup_retention_settings {
        retained_backups = 14
        retention_unit   = "COUNT"
      }
    }

    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      record_application_tags = false
      record_client_address   = false
    }

    # The app signs in as its service account (IAM database authentication): no password.
    database_flags {
      name  = "cloudsql.iam_authentication"
      value = "on"
    }

    # What the database logs, for audits (CIS Cloud SQL for PostgreSQL benchmark).
    database_flags {
      name  = "log_checkpoints"
      value = "on"
    }

    database_flags {
      name  = "log_connections"
      value = "on"
    }

    database_flags {
      name  = "log_disconnections"
      value = "on"
    }

    database_flags {
      name  = "log_lock_waits"
      value = "on"
    }

    database_flags {
      name  = "log_hostname"
      value = "on"
    }

    database_flags {
      name  = "log_duration"
      value = "on"
    }

    database_flags {
      name  = "log_statement"
      value = "ddl"
    }

    database_flags {
      name  = "log_min_messages"
      value = "error"
    }

    database_flags {
      name  = "log_min_error_statement"
      value = "error"
    }

    database_flags {
      name  = "log_temp_files"
      value = "0"
    }

    database_flags {
      name  = "log_min_duration_statement"
      value = "-1"
    }

    database_flags {
      name  = "cloudsql.enable_pgaudit"
      value = "on"
    }

    database_flags {
      name  = "pgaudit.log"
      value = "ddl,role"
    }
  }

  depends_on = [
    google_service_networking_connection.database,
    # Cloud SQL checks that its agent may use the key when the instance is created.
    google_kms_crypto_key_iam_member.sql,
  ]
}

resource "google_sql_database" "app" {
  name     = local.database_name
  instance = google_sql_database_instance.this.name
}

# The app's database user is its Workload Identity service account: PostgreSQL user
# `<account>@<project>.iam`, signed in by the Auth Proxy with a short-lived IAM token.
resource "google_sql_user" "app" {
  name     = trimsuffix(google_service_account.app.email, ".gserviceaccount.com")
  instance = google_sql_database_instance.this.name
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"
  # An IAM user starts with no privileges (cloud.google.com/sql/docs/postgres/add-manage-iam-users),
  # and since PostgreSQL 15 nobody but the database owner may create in schema `public`.
  # Databases made through the Cloud SQL API are owned by `cloudsqlsuperuser`; membership in it
  # makes the app a database owner (`pg_database_owner`), so its migration can create its table.
  # It is the only grant Terraform can make without SQL; see the README for narrowing it.
  database_roles = ["cloudsqlsuperuser"]
}

# The app's service account may connect through the proxy (client) and sign in as its IAM user
# (instanceUser), on this project's instances only.
resource "google_project_iam_member" "app_database" {
  for_each = toset([
    "roles/cloudsql.client",
    "roles/cloudsql.instanceUser",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.app.email}"
}
