# app-policy: the uyoop-cal application (AppRole role uyoop-app).
# Exactly what the app needs, nothing mount-wide: its configuration, its users' TOTP keys,
# and dynamic PostgreSQL credentials.

# Read the application configuration (KV v2 data and metadata under secret/app/).
path "secret/data/app/*" {
  capabilities = ["read"]
}

path "secret/metadata/app/*" {
  capabilities = ["read", "list"]
}

# Manage per-user TOTP keys (totp/keys/user_<id>) and generate or validate their codes.
path "totp/keys/user_*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "totp/code/user_*" {
  capabilities = ["read", "update"]
}

# Short-lived database credentials from the database secrets engine.
path "database/creds/uyoop-app" {
  capabilities = ["read"]
}
