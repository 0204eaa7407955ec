# The customer-managed key that encrypts the database (instance disks and backups). Cloud SQL
# uses it through its service agent, which must exist and hold encrypt/decrypt on the key
# before the instance is created (cloud.google.com/sql/docs/postgres/configure-cmek).
resource "google_kms_key_ring" "this" {
  name     = var.name
  location = var.region
}

resource "google_kms_crypto_key" "database" {
  name            = "${var.name}-database"
  key_ring        = google_kms_key_ring.this.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = "7776000s"

  lifecycle {
    # Destroying the key destroys every backup made with it: never as a side effect of a plan.
    prevent_destroy = true
  }
}

# Cloud SQL's service agent (service-<number>@gcp-sa-cloud-sql.iam.gserviceaccount.com) is made on
# demand; this is `gcloud beta services identity create --service=sqladmin.googleapis.com`.
resource "google_project_service_identity" "sql" {
  provider = google-beta

  project = var.project_id
  service = "sqladmin.googleapis.com"
}

resource "google_kms_crypto_key_iam_member" "sql" {
  crypto_key_id = google_kms_crypto_key.database.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = google_project_service_identity.sql.member
}
