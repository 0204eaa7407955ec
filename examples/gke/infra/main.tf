locals {
  labels = merge(var.labels, {
    app        = var.name
    managed-by = "terraform"
  })

  # Non-overlapping ranges carved out of network_cidr: nodes and services take a sixteenth
  # each, pods the upper half (a /16 gives /20, /20 and /17).
  nodes_cidr    = cidrsubnet(var.network_cidr, 4, 0)
  services_cidr = cidrsubnet(var.network_cidr, 4, 1)
  pods_cidr     = cidrsubnet(var.network_cidr, 1, 1)
  # The third sixteenth is the Private Service Access range the database's private IP comes from.
  database_cidr = cidrsubnet(var.network_cidr, 4, 2)

  # PostgreSQL identifiers: underscores, not hyphens, so no statement needs quoting.
  database_name = replace(var.name, "-", "_")

  # Service account ids are at most 30 characters: keep room for the suffixes.
  account_prefix = replace(substr(var.name, 0, 23), "/-+$/", "")
}
