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

database_availability_type = "{{ cookiecutter.database_availability_type }}"

# Who may reach the control plane's public endpoint: the `admin_cidrs` answer. kubectl from your
# machine and the Kubernetes stack's Spacelift runs both go through it (README, steps 3 and 5).
{%- set cidrs = cookiecutter.admin_cidrs.split(",") | map("trim") | select | list %}
{%- if cidrs %}
master_authorized_networks = [
{%- for cidr in cidrs %}
  { cidr_block = "{{ cidr }}", display_name = "admin-{{ loop.index }}" },
{%- endfor %}
]
{%- else %}
master_authorized_networks = []
{%- endif %}
