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

# The API endpoint is private. To reach it from outside the VPC, set
# endpoint_public_access = true and list your ranges (0.0.0.0/0 is refused):
# public_access_cidrs = ["203.0.113.0/24"]

# Cluster admins besides whoever applies (the infra stack's role, in Spacelift): the role the
# Kubernetes stack assumes (spacelift/credentials.tf).
admin_principal_arns = ["arn:aws:iam::{{ cookiecutter.aws_account_id }}:role/{{ cookiecutter.project_slug }}-spacelift-k8s"]
