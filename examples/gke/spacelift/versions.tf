terraform {
  required_version = ">= 1.10"

  required_providers {
    # 1.37.0 added role attachments for stacks (spacelift_role_attachment.stack_id), the newest
    # argument used here; 1.53.5 is the newest release (github.com/spacelift-io/terraform-provider-spacelift/releases).
    spacelift = {
      source  = "spacelift-io/spacelift"
      version = ">= 1.37, < 2.0"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
  }
}
