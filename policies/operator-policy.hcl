# operator-policy: day-2 administration by Terraform (vault-config stack) and operators, in
# place of the root token, which is revoked after bootstrap (docs/RUNBOOK.md).
# It manages configuration: mounts, auth methods, policies, audit devices, Raft and the
# secrets Terraform writes. It holds sudo only where Vault requires it.

# Secrets engines and auth methods.
path "sys/mounts" {
  capabilities = ["read", "list"]
}

path "sys/mounts/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "sys/auth" {
  capabilities = ["read", "list"]
}

path "sys/auth/*" {
  capabilities = ["create", "read", "update", "delete", "sudo"]
}

# ACL policies.
path "sys/policies/acl" {
  capabilities = ["list"]
}

path "sys/policies/acl/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Audit devices (Vault requires sudo to list and change them).
path "sys/audit" {
  capabilities = ["read", "list", "sudo"]
}

path "sys/audit/*" {
  capabilities = ["create", "read", "update", "delete", "sudo"]
}

# Raft: autopilot configuration, peers, snapshots (restore stays root-only: not granted).
path "sys/storage/raft/autopilot/*" {
  capabilities = ["read", "update"]
}

path "sys/storage/raft/configuration" {
  capabilities = ["read"]
}

path "sys/storage/raft/snapshot" {
  capabilities = ["read"]
}

# Seal status and health.
path "sys/seal-status" {
  capabilities = ["read"]
}

# Auth method configuration: AppRole roles and their RoleIDs, certificate roles.
path "auth/approle/role/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "auth/cert/certs/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Child tokens for Terraform runs (the vault provider mints one per run).
path "auth/token/create" {
  capabilities = ["update"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# The application's configuration (KV v2) and the mount settings.
path "secret/config" {
  capabilities = ["create", "read", "update"]
}

path "secret/data/app/*" {
  capabilities = ["create", "read", "update", "delete"]
}

path "secret/metadata/app/*" {
  capabilities = ["read", "list", "delete"]
}

# Database secrets engine: connection, roles, root rotation.
path "database/config/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "database/roles/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

path "database/rotate-root/*" {
  capabilities = ["update"]
}
