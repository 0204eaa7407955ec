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

# The API endpoint is private. To reach it from outside the VPC, set
# endpoint_public_access = true and list your ranges (0.0.0.0/0 is refused):
# public_access_cidrs = ["203.0.113.0/24"]

# Cluster admins besides whoever applies (the infra stack's role, in Spacelift): the role the
# Kubernetes stack assumes (spacelift/credentials.tf).
admin_principal_arns = ["arn:aws:iam::123456789012:role/my-service-spacelift-k8s"]
