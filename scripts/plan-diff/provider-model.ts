/**
 * What a change to each top-level attribute does, per resource type, for the provider versions
 * this project pins (kreuzwerker/docker 3.6.2, hashicorp/vault 5.6.0, hashicorp/tls 4.1.0,
 * hashicorp/local, hashicorp/random, terraform_data). Source: docs/research provider-behaviour.md
 * (sections A1, A4, B2, C) and the providers' schemas at those tags (ForceNew / RequiresReplace).
 *
 * Unknown resource types, and attributes a known type does not list, are "unknown": the diff
 * then says "update (replacement unknown)" rather than guessing.
 */

/** What Terraform and the provider do when one attribute changes. */
export type Effect =
  /** ForceNew / RequiresReplace: the resource is destroyed and created again. */
  | "replace"
  /** Updated in place through the API. */
  | "update"
  /** Recorded in state only (affects a later create/destroy/refresh, not the running object). */
  | "state-only"
  /** Neither ForceNew nor handled by the provider's update: the plan shows an update that does nothing. */
  | "ignored"
  /** A Terraform meta-argument (lifecycle, depends_on): no plan action by itself. */
  | "meta"
  /** Not modelled: may or may not force replacement. */
  | "unknown";

interface TypeModel {
  /** Effect of attributes not listed below. */
  readonly otherwise: Effect;
  readonly replace?: readonly string[];
  readonly update?: readonly string[];
  readonly stateOnly?: readonly string[];
  readonly ignored?: readonly string[];
  readonly unknown?: readonly string[];
  /** Notes shown next to specific attributes. */
  readonly notes?: Readonly<Record<string, string>>;
  /** Where the model comes from (shown in --json and docs). */
  readonly source: string;
}

const DOCKER_CONTAINER_FORCE_NEW = [
  "name", "image", "read_only", "hostname", "domainname", "command", "entrypoint", "user", "dns", "dns_opts", "dns_search",
  "publish_all_ports", "working_dir", "capabilities", "security_opts", "runtime", "stop_signal", "stop_timeout", "mounts",
  "volumes", "ports", "host", "ulimit", "env", "privileged", "devices", "labels", "shm_size", "log_driver", "log_opts",
  "network_mode", "networks_advanced", "pid_mode", "userns_mode", "upload", "sysctls", "ipc_mode", "group_add", "tty",
  "stdin_open", "storage_opts", "gpus", "cpus", "cgroupns_mode", "cgroup_parent",
];

export const PROVIDER_MODEL: Readonly<Record<string, TypeModel>> = {
  docker_container: {
    otherwise: "unknown",
    replace: DOCKER_CONTAINER_FORCE_NEW,
    update: ["restart", "max_retry_count", "cpu_shares", "memory", "cpu_set", "memory_swap"],
    ignored: ["healthcheck", "tmpfs", "init", "cpu_period", "cpu_quota"],
    stateOnly: ["rm", "start", "wait", "wait_timeout", "attach", "logs", "must_run", "destroy_grace_seconds", "remove_volumes", "container_read_refresh_timeout_milliseconds"],
    notes: {
      healthcheck: "the provider ignores healthcheck changes (docker #988) unless a replace trigger covers them",
      tmpfs: "the provider ignores tmpfs changes unless a replace trigger covers them",
      init: "the provider ignores init changes unless a replace trigger covers them",
    },
    source: "kreuzwerker/docker 3.6.2 resource_docker_container.go (research A1)",
  },
  docker_volume: { otherwise: "replace", source: "kreuzwerker/docker 3.6.2: every docker_volume argument is ForceNew (research A4)" },
  docker_network: { otherwise: "replace", source: "kreuzwerker/docker 3.6.2: every docker_network argument is ForceNew (research A4)" },
  docker_image: {
    otherwise: "unknown",
    replace: ["name", "pull_triggers", "build", "triggers", "platform"],
    stateOnly: ["keep_locally", "force_remove"],
    source: "kreuzwerker/docker 3.6.2 resource_docker_image.go (research A4)",
  },
  tls_private_key: { otherwise: "replace", source: "hashicorp/tls 4.1.0: every argument RequiresReplace (research C)" },
  tls_cert_request: { otherwise: "replace", source: "hashicorp/tls 4.1.0: every argument RequiresReplace (research C)" },
  tls_self_signed_cert: {
    otherwise: "replace",
    stateOnly: ["early_renewal_hours"],
    source: "hashicorp/tls 4.1.0: all but early_renewal_hours RequiresReplace (research C)",
  },
  tls_locally_signed_cert: {
    otherwise: "replace",
    stateOnly: ["early_renewal_hours"],
    source: "hashicorp/tls 4.1.0: all but early_renewal_hours RequiresReplace (research C)",
  },
  local_file: { otherwise: "replace", source: "hashicorp/local: every argument RequiresReplace" },
  local_sensitive_file: { otherwise: "replace", source: "hashicorp/local: every argument RequiresReplace" },
  random_password: { otherwise: "replace", source: "hashicorp/random: every argument RequiresReplace" },
  random_string: { otherwise: "replace", source: "hashicorp/random: every argument RequiresReplace" },
  random_id: { otherwise: "replace", source: "hashicorp/random: every argument RequiresReplace" },
  terraform_data: {
    otherwise: "unknown",
    replace: ["triggers_replace"],
    update: ["input"],
    source: "Terraform built-in terraform_data",
  },
  vault_mount: {
    otherwise: "update",
    replace: ["type", "local", "seal_wrap", "external_entropy_access"],
    notes: { path: "remount (Vault >= 1.10): data moves, clients using the old path break" },
    source: "hashicorp/vault 5.6.0 resource_mount.go (research B2)",
  },
  vault_auth_backend: {
    otherwise: "update",
    replace: ["type", "local"],
    notes: { path: "remount (Vault >= 1.10): logins at the old path break" },
    source: "hashicorp/vault 5.6.0 resource_auth_backend.go",
  },
  vault_policy: { otherwise: "update", replace: ["name"], source: "hashicorp/vault 5.6.0 resource_policy.go" },
  vault_approle_auth_backend_role: { otherwise: "update", replace: ["role_name", "backend"], source: "hashicorp/vault 5.6.0 resource_approle_auth_backend_role.go" },
  vault_approle_auth_backend_role_secret_id: { otherwise: "replace", source: "hashicorp/vault 5.6.0: every input ForceNew (research B2)" },
  vault_cert_auth_backend_role: {
    otherwise: "update",
    replace: ["name", "certificate", "backend"],
    source: "hashicorp/vault 5.6.0 resource_cert_auth_backend_role.go",
  },
  vault_database_secret_backend_connection: {
    otherwise: "update",
    replace: ["backend"],
    unknown: ["name"],
    source: "hashicorp/vault 5.6.0 resource_database_secret_backend_connection.go",
  },
  vault_database_secret_backend_role: {
    otherwise: "update",
    replace: ["name", "backend", "db_name"],
    source: "hashicorp/vault 5.6.0 resource_database_secret_backend_role.go",
  },
  vault_kv_secret_backend_v2: { otherwise: "update", replace: ["mount"], source: "hashicorp/vault 5.6.0 resource_kv_secret_backend_v2.go" },
  vault_kv_secret_v2: { otherwise: "update", replace: ["mount", "name"], source: "hashicorp/vault 5.6.0 resource_kv_secret_v2.go" },
  vault_audit: { otherwise: "replace", source: "hashicorp/vault 5.6.0: every vault_audit field ForceNew (research B2)" },
  vault_raft_autopilot: { otherwise: "update", source: "hashicorp/vault 5.6.0 resource_raft_autopilot.go" },
  vault_generic_endpoint: { otherwise: "update", replace: ["path"], source: "hashicorp/vault 5.6.0 resource_generic_endpoint.go (research B2)" },
};

/** The effect of a change to a top-level attribute of a resource type. */
export function attributeEffect(type: string, attribute: string): Effect {
  if (attribute === "lifecycle" || attribute === "depends_on" || attribute === "provider" || attribute === "provisioner" || attribute === "connection") return "meta";
  if (attribute === "count" || attribute === "for_each") return "unknown";
  const model = PROVIDER_MODEL[type];
  if (!model) return "unknown";
  if (model.replace?.includes(attribute)) return "replace";
  if (model.update?.includes(attribute)) return "update";
  if (model.stateOnly?.includes(attribute)) return "state-only";
  if (model.ignored?.includes(attribute)) return "ignored";
  if (model.unknown?.includes(attribute)) return "unknown";
  return model.otherwise;
}

export function attributeNote(type: string, attribute: string): string | undefined {
  return PROVIDER_MODEL[type]?.notes?.[attribute];
}

export function isModelled(type: string): boolean {
  return PROVIDER_MODEL[type] !== undefined;
}
