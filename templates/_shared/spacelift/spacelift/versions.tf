terraform {
  required_version = ">= 1.10"

  required_providers {
    spacelift = {
      source  = "spacelift-io/spacelift"
      version = "~> 1.55"
    }
{%- if cookiecutter._cloud == "gcp" %}
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
{%- else %}
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
{%- endif %}
  }
}
