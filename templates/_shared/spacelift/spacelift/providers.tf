# Inside a Spacelift run the provider is configured from the run's own credentials; on your
# machine, set SPACELIFT_API_KEY_ENDPOINT, SPACELIFT_API_KEY_ID and SPACELIFT_API_KEY_SECRET.
provider "spacelift" {}
{%- if cookiecutter._cloud == "gcp" %}

# Grants the stacks' Spacelift-managed service accounts their roles in the project.
provider "google" {
  project = var.gcp_project_id
}
{%- else %}

# Creates the IAM role the stacks' AWS integration assumes.
provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]
}
{%- endif %}
