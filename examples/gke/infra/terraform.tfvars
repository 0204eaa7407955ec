# Answers given to `scaffolder new gke`; not secret, so committed. Spacelift reads this file too.
project_id          = "my-gcp-project"
region              = "europe-west1"
name                = "my-service"
network_cidr        = "10.10.0.0/16"
node_machine_type   = "e2-standard-4"
node_min_count      = 1
node_max_count      = 3
app_namespace       = "my-service"
app_service_account = "my-service"

database_availability_type = "REGIONAL"

# Who may reach the control plane's public endpoint: the `admin_cidrs` answer. kubectl from your
# machine and the Kubernetes stack's Spacelift runs both go through it (README, steps 3 and 5).
master_authorized_networks = []
