# Inside a Spacelift run the provider is configured from the run's own credentials; on your
# machine, set SPACELIFT_API_KEY_ENDPOINT, SPACELIFT_API_KEY_ID and SPACELIFT_API_KEY_SECRET.
provider "spacelift" {}

# Creates the IAM roles the stacks' AWS integrations assume, and the permissions boundary.
provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]
}
