# State lives in an S3 bucket with S3's native locking (use_lockfile; no DynamoDB table). The
# bucket is not created here: the state cannot live in a bucket this configuration manages.
# Create it once (versioned, encrypted, public access blocked: `make state-bucket`), then
# initialise with a partial configuration:
#
#   tofu init \
#     -backend-config="bucket=123456789012-eu-west-1-tfstate" \
#     -backend-config="key=my-service/infra.tfstate" \
#     -backend-config="region=eu-west-1"
#
# Spacelift runs pass the same settings (see ../spacelift/stacks.tf).
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
