locals {
  tags = merge(var.tags, {
    App       = var.name
    ManagedBy = "terraform"
  })

  # The first quarter of network_cidr holds the public subnets (a /20 each from a /16), the
  # other three quarters one private subnet per zone (a /18 each): nodes and pods live there.
  public_cidrs  = [for index, _ in var.availability_zones : cidrsubnet(cidrsubnet(var.network_cidr, 2, 0), 2, index)]
  private_cidrs = [for index, _ in var.availability_zones : cidrsubnet(var.network_cidr, 2, index + 1)]
  nat_count     = var.single_nat_gateway ? 1 : length(var.availability_zones)
}

data "aws_partition" "current" {}
