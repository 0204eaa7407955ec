# Answers given to `scaffolder new gke`; not secret, so committed. Spacelift reads this file too.
project_id          = "{{ cookiecutter.gcp_project_id }}"
region              = "{{ cookiecutter.region }}"
name                = "{{ cookiecutter.project_slug }}"
network_cidr        = "{{ cookiecutter.network_cidr }}"
node_machine_type   = "{{ cookiecutter.node_machine_type }}"
node_min_count      = {{ cookiecutter.node_min_count }}
node_max_count      = {{ cookiecutter.node_max_count }}
app_namespace       = "{{ cookiecutter.project_slug }}"
app_service_account = "{{ cookiecutter.project_slug }}"

# Who may reach the control plane; add your VPN or office range. Spacelift's public workers
# reach the endpoint through these too: add their egress ranges, or use private workers.
master_authorized_networks = []
