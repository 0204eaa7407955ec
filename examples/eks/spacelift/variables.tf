variable "repository" {
  description = "Repository the stacks read, as the Spacelift VCS integration names it."
  type        = string
  default     = "my-service"
}

variable "branch" {
  description = "Branch the stacks track."
  type        = string
  default     = "main"
}

variable "space_id" {
  description = "Spacelift space of the stacks and the policy."
  type        = string
  default     = "root"
}

variable "opentofu_version" {
  description = "OpenTofu version of the infra stack (its `terraform_version`, read as OpenTofu since the stack uses `OPEN_TOFU`)."
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
  # Spacelift's default runner image has the AWS CLI.
  default = null
}

variable "kubectl_version" {
  description = "kubectl version of the Kubernetes stack."
  type        = string
  default     = "1.33.4"
}

variable "state_bucket" {
  description = "Bucket that holds the infra stack's state (infra/backend.tf)."
  type        = string
  default     = "123456789012-eu-west-1-tfstate"
}

variable "k8s_worker_pool_id" {
  description = "Private worker pool of the Kubernetes stack, whose workers reach the cluster's endpoint; null runs it on the public workers, which reach it only if the endpoint is open to them."
  type        = string
  default     = null
}

variable "aws_account_id" {
  description = "AWS account the infra stack manages."
  type        = string
  default     = "123456789012"
}

variable "aws_region" {
  description = "AWS region of the cluster and the state bucket."
  type        = string
  default     = "eu-west-1"
}
