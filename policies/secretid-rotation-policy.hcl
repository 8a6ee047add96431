# secretid-rotation-policy: the job that rotates the app's AppRole SecretID (weekly by default).
# It can mint a new SecretID for uyoop-app, list and look up accessors, and destroy old ones,
# and nothing else: it cannot read the RoleID's policies or touch other roles.
path "auth/approle/role/uyoop-app/secret-id" {
  capabilities = ["update", "list"]
}

path "auth/approle/role/uyoop-app/secret-id-accessor/lookup" {
  capabilities = ["update"]
}

path "auth/approle/role/uyoop-app/secret-id-accessor/destroy" {
  capabilities = ["update"]
}
