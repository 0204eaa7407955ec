resource "google_container_cluster" "this" {
  # checkov:skip=CKV_GCP_12:Dataplane V2 (ADVANCED_DATAPATH) enforces NetworkPolicy itself; the legacy network_policy add-on this check wants cannot be combined with it
  # checkov:skip=CKV_GCP_65:Google Groups for RBAC needs a Google Workspace domain (gke-security-groups@<domain>); add authenticator_groups_config when you have one
  name        = var.name
  description = "Regional private cluster of ${var.name}."
  # A region, not a zone: the control plane and nodes span three zones.
  location = var.region

  network         = google_compute_network.this.id
  subnetwork      = google_compute_subnetwork.nodes.id
  networking_mode = "VPC_NATIVE"
  # Dataplane V2 (eBPF): enforces NetworkPolicy without a separate add-on.
  datapath_provider = "ADVANCED_DATAPATH"

  # Node pools are managed separately (node_pool.tf), so their changes never recreate the cluster.
  remove_default_node_pool = true
  initial_node_count       = 1
  # Two steps to destroy: set deletion_protection = false, apply, then destroy (README).
  deletion_protection = var.deletion_protection

  resource_labels = local.labels

  release_channel {
    channel = var.release_channel
  }

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }

  private_cluster_config {
    enable_private_nodes = true
    # The endpoint stays public but only master_authorized_networks may reach it.
    enable_private_endpoint = false
  }

  master_authorized_networks_config {
    dynamic "cidr_blocks" {
      for_each = var.master_authorized_networks
      content {
        cidr_block   = cidr_blocks.value.cidr_block
        display_name = cidr_blocks.value.display_name
      }
    }
  }

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }

  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }

  enable_legacy_abac          = false
  enable_shielded_nodes       = true
  enable_intranode_visibility = true

  binary_authorization {
    evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"
  }

  logging_config {
    enable_components = ["SYSTEM_COMPONENTS", "WORKLOADS"]
  }

  monitoring_config {
    enable_components = ["SYSTEM_COMPONENTS"]

    managed_prometheus {
      enabled = true
    }
  }

  addons_config {
    http_load_balancing {
      disabled = false
    }

    horizontal_pod_autoscaling {
      disabled = false
    }
  }

  # Only used for the default pool, which is removed right after creation; hardened anyway so
  # that not even that short-lived pool runs with defaults.
  node_config {
    service_account = google_service_account.nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    image_type      = "COS_CONTAINERD"
    metadata = {
      disable-legacy-endpoints = "true"
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }

  lifecycle {
    # The default pool is gone; its settings must not force a new cluster.
    ignore_changes = [node_config, initial_node_count]
  }
}

resource "google_container_node_pool" "primary" {
  name     = "${var.name}-nodes"
  cluster  = google_container_cluster.this.id
  location = var.region

  autoscaling {
    min_node_count  = var.node_min_count
    max_node_count  = var.node_max_count
    location_policy = "BALANCED"
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  upgrade_settings {
    strategy        = "SURGE"
    max_surge       = 1
    max_unavailable = 0
  }

  node_config {
    machine_type    = var.node_machine_type
    image_type      = "COS_CONTAINERD"
    disk_type       = "pd-balanced"
    disk_size_gb    = 50
    service_account = google_service_account.nodes.email
    # Access is decided by the node service account's IAM roles, not by scopes.
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
    labels       = local.labels
    tags         = ["${var.name}-nodes"]
    metadata = {
      disable-legacy-endpoints = "true"
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }

  lifecycle {
    # The autoscaler owns the current size.
    ignore_changes = [initial_node_count]
  }
}
