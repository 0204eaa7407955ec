# Answers given to `scaffolder new eks`; not secret, so committed. Spacelift reads this file too.
account_id          = "{{ cookiecutter.aws_account_id }}"
region              = "{{ cookiecutter.region }}"
availability_zones  = [{% for zone in cookiecutter.availability_zones.split(",") %}"{{ zone }}"{% if not loop.last %}, {% endif %}{% endfor %}]
name                = "{{ cookiecutter.project_slug }}"
network_cidr        = "{{ cookiecutter.network_cidr }}"
kubernetes_version  = "{{ cookiecutter.kubernetes_version }}"
node_machine_type   = "{{ cookiecutter.node_machine_type }}"
node_min_count      = {{ cookiecutter.node_min_count }}
node_max_count      = {{ cookiecutter.node_max_count }}
app_namespace       = "{{ cookiecutter.project_slug }}"
app_service_account = "{{ cookiecutter.project_slug }}"

# The database: a standby in a second zone (Multi-AZ) when database_high_availability was
# answered true.
database_multi_az = {{ cookiecutter.database_high_availability }}

# The API endpoint: private, reachable from inside the VPC only, unless admin_cidrs was
# answered; then also public, to those ranges only (0.0.0.0/0 is refused). Spacelift's public
# workers have no fixed addresses: see README, section 5.
{%- set cidrs = cookiecutter.admin_cidrs.split(",") if cookiecutter.admin_cidrs else [] %}
endpoint_public_access = {{ "true" if cidrs else "false" }}
public_access_cidrs    = [{% for cidr in cidrs %}"{{ cidr }}"{% if not loop.last %}, {% endif %}{% endfor %}]

# Cluster admins: IAM roles or users, listed explicitly; whoever applies gets nothing
# implicitly, so no apply by another identity removes anyone's access. The Kubernetes stack's
# role gets its entry from the management stack (spacelift/credentials.tf).
{%- set admins = cookiecutter.admin_principal_arns.split(",") if cookiecutter.admin_principal_arns else [] %}
admin_principal_arns = [{% for arn in admins %}"{{ arn }}"{% if not loop.last %}, {% endif %}{% endfor %}]
