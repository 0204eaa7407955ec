terraform {
  required_version = ">= 1.10"

  required_providers {
    # 7.18.0 added `database_roles` to google_sql_user (the newest argument used here); 7.45.0
    # is the newest release seen (github.com/hashicorp/terraform-provider-google, CHANGELOG.md).
    google = {
      source  = "hashicorp/google"
      version = ">= 7.18, < 8.0"
    }
    # google_project_service_identity (kms.tf) is a beta resource; the two providers release
    # in step.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 7.18, < 8.0"
    }
  }
}
