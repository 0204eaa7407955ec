"""The HTTP service: endpoints, database access, migrations and logs."""
