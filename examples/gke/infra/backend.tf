# State lives in a GCS bucket (versioned, uniform access). The bucket is not created here: the
# state cannot live in a bucket this configuration manages. Create it once, then initialise with
# a partial configuration:
#
#   tofu init \
#     -backend-config="bucket=my-gcp-project-tfstate" \
#     -backend-config="prefix=my-service/infra"
#
# Spacelift runs pass the same two settings (see ../spacelift/stacks.tf).
terraform {
  backend "gcs" {}
}
