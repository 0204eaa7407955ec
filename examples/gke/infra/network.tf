resource "google_compute_network" "this" {
  name                    = "${var.name}-vpc"
  description             = "VPC of ${var.name}: one subnet for the GKE nodes, pods and services."
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"
}

resource "google_compute_subnetwork" "nodes" {
  name          = "${var.name}-nodes"
  description   = "Nodes, with secondary ranges for pods and services."
  region        = var.region
  network       = google_compute_network.this.id
  ip_cidr_range = local.nodes_cidr

  # Nodes have no public IPs; Google APIs (registry, logging) stay reachable privately.
  private_ip_google_access   = true
  private_ipv6_google_access = "ENABLE_OUTBOUND_VM_ACCESS_TO_GOOGLE"

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = local.pods_cidr
  }

  secondary_ip_range {
    range_name    = "services"
    ip_cidr_range = local.services_cidr
  }

  log_config {
    aggregation_interval = "INTERVAL_5_SEC"
    flow_sampling        = 0.5
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Private nodes reach the internet (image pulls from public registries, webhooks) through NAT.
resource "google_compute_router" "this" {
  name    = "${var.name}-router"
  region  = var.region
  network = google_compute_network.this.id
}

resource "google_compute_router_nat" "this" {
  name                               = "${var.name}-nat"
  router                             = google_compute_router.this.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS"

  subnetwork {
    name                    = google_compute_subnetwork.nodes.id
    source_ip_ranges_to_nat = ["ALL_IP_RANGES"]
  }

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

# An explicit network firewall policy: what may reach the nodes is written down here, not
# left to defaults. GKE adds its own VPC rules for the control plane and node-to-node traffic.
resource "google_compute_network_firewall_policy" "this" {
  name        = "${var.name}-policy"
  description = "Ingress policy of ${var.name}."
}

resource "google_compute_network_firewall_policy_rule" "allow_health_checks" {
  firewall_policy = google_compute_network_firewall_policy.this.name
  rule_name       = "allow-google-health-checks"
  description     = "Google load balancer health checks and proxies to the app's pods."
  priority        = 1000
  direction       = "INGRESS"
  action          = "allow"
  enable_logging  = true

  match {
    src_ip_ranges = ["35.191.0.0/16", "130.211.0.0/22"]

    layer4_configs {
      ip_protocol = "tcp"
      ports       = ["8000"]
    }
  }
}

resource "google_compute_network_firewall_policy_rule" "deny_admin_ports" {
  firewall_policy = google_compute_network_firewall_policy.this.name
  rule_name       = "deny-ssh-rdp-from-anywhere"
  description     = "No SSH or RDP from outside; use IAP or kubectl instead."
  priority        = 2000
  direction       = "INGRESS"
  action          = "deny"
  enable_logging  = true

  match {
    src_ip_ranges = ["0.0.0.0/0"]

    layer4_configs {
      ip_protocol = "tcp"
      ports       = ["22", "3389"]
    }
  }
}

resource "google_compute_network_firewall_policy_association" "this" {
  name              = "${var.name}-policy"
  attachment_target = google_compute_network.this.id
  firewall_policy   = google_compute_network_firewall_policy.this.name
}

# The implicit deny of all other ingress, written down (and logged) so audits see it.
resource "google_compute_firewall" "deny_all_ingress" {
  name        = "${var.name}-deny-all-ingress"
  description = "Lowest-priority deny: only explicitly allowed ingress reaches the network."
  network     = google_compute_network.this.name
  direction   = "INGRESS"
  priority    = 65534

  deny {
    protocol = "all"
  }

  source_ranges = ["0.0.0.0/0"]

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}
