# snapshot-policy: the scheduled Raft snapshot job. Read-only access to the snapshot endpoint;
# restoring is an operator action (root-equivalent), never the job's.
path "sys/storage/raft/snapshot" {
  capabilities = ["read"]
}
