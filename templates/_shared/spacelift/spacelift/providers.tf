{%- import "spacelift.jinja" as platform with context -%}
# Inside a Spacelift run the provider is configured from the run's own credentials; on your
# machine, set SPACELIFT_API_KEY_ENDPOINT, SPACELIFT_API_KEY_ID and SPACELIFT_API_KEY_SECRET.
provider "spacelift" {}
{{- platform.providers() }}
