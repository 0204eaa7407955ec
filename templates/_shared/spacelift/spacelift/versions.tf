{%- import "spacelift.jinja" as platform with context -%}
terraform {
  required_version = ">= 1.10"

  required_providers {
    spacelift = {
      source  = "spacelift-io/spacelift"
      version = "~> 1.55"
    }
{{- platform.required_providers() }}
  }
}
