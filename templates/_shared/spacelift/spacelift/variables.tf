variable "repository" {
  description = "Repository the stacks read, as the Spacelift VCS integration names it."
  type        = string
  default     = "{{ cookiecutter.repository }}"
}

variable "branch" {
  description = "Branch the stacks track."
  type        = string
  default     = "{{ cookiecutter.branch }}"
}

variable "space_id" {
  description = "Spacelift space of the stacks and the policy."
  type        = string
  default     = "root"
}

variable "opentofu_version" {
  description = "OpenTofu version of the Terraform stacks (Spacelift runs Terraform >= 1.6 as OpenTofu)."
  type        = string
  default     = "1.10.6"
}

variable "runner_image" {
  description = "Runner image of the infra stack; null keeps Spacelift's default."
  type        = string
  default     = null
}

variable "k8s_runner_image" {
  description = "Runner image of the Kubernetes stack: it needs the cloud CLI for the kubeconfig hook."
  type        = string
{%- if cookiecutter._cloud == "gcp" %}
  default     = "gcr.io/google.com/cloudsdktool/google-cloud-cli:stable"
{%- else %}
  # Spacelift's default runner image has the AWS CLI.
  default = null
{%- endif %}
}

variable "kubectl_version" {
  description = "kubectl version of the Kubernetes stack."
  type        = string
  default     = "1.33.4"
}

variable "state_bucket" {
  description = "Bucket that holds the infra stack's state (infra/backend.tf)."
  type        = string
{%- if cookiecutter._cloud == "gcp" %}
  default     = "{{ cookiecutter.gcp_project_id }}-tfstate"
{%- else %}
  default     = "{{ cookiecutter.aws_account_id }}-{{ cookiecutter.region }}-tfstate"
{%- endif %}
}
{%- if cookiecutter._cloud == "gcp" %}

variable "gcp_project_id" {
  description = "GCP project the infra stack manages."
  type        = string
  default     = "{{ cookiecutter.gcp_project_id }}"
}
{%- else %}

variable "aws_account_id" {
  description = "AWS account the infra stack manages."
  type        = string
  default     = "{{ cookiecutter.aws_account_id }}"
}

variable "aws_region" {
  description = "AWS region of the cluster and the state bucket."
  type        = string
  default     = "{{ cookiecutter.region }}"
}
{%- endif %}
