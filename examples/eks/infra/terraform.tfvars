# Answers given to `scaffolder new eks`; not secret, so committed. Spacelift reads this file too.
account_id          = "123456789012"
region              = "eu-west-1"
availability_zones  = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
name                = "my-service"
network_cidr        = "10.20.0.0/16"
kubernetes_version  = "1.33"
node_machine_type   = "m7i.large"
node_min_count      = 2
node_max_count      = 6
app_namespace       = "my-service"
app_service_account = "my-service"

# The database: a standby in a second zone (Multi-AZ) when database_high_availability was
# answered true.
database_multi_az = true

# The API endpoint: private, reachable from inside the VPC only, unless admin_cidrs was
# answered; then also public, to those ranges only (0.0.0.0/0 is refused). Spacelift's public
# workers have no fixed addresses: see README, section 5.
endpoint_public_access = false
public_access_cidrs    = []

# Cluster admins: IAM roles or users, listed explicitly; whoever applies gets nothing
# implicitly, so no apply by another identity removes anyone's access. The Kubernetes stack's
# role gets its entry from the management stack (spacelift/credentials.tf).
admin_principal_arns = []
