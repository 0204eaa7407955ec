terraform {
  required_version = ">= 1.10"

  required_providers {
    spacelift = {
      source  = "spacelift-io/spacelift"
      version = "~> 1.55"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
  }
}
