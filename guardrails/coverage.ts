/**
 * Where each item of the two source documents stands: the rules that check it, or why no rule
 * can (not expressible by a container declaration, a host setting, an operator procedure).
 * RULES.md renders these tables; a test keeps every rule id here real.
 */

export interface CoverageItem {
  /** Item number or name in the source document. */
  readonly item: string;
  readonly title: string;
  /** Rules that check it (empty when none can). */
  readonly rules: readonly string[];
  /** Why no rule, or what else covers it. */
  readonly note?: string;
}

/** CIS Docker Benchmark v1.6.0, section 5 "Container Runtime" (numbering of docker-bench-security). */
export const CIS_SECTION_5: readonly CoverageItem[] = [
  { item: "5.1", title: "Ensure swarm mode is not enabled, if not needed", rules: [], note: "Daemon setting, not a container attribute." },
  { item: "5.2", title: "Ensure that, if applicable, an AppArmor profile is enabled", rules: ["UY-C-5.2"], note: "Docker applies docker-default where the host has AppArmor; the rule refuses disabling it." },
  { item: "5.3", title: "Ensure that, if applicable, SELinux security options are set", rules: ["UY-C-5.3"] },
  { item: "5.4", title: "Ensure that Linux kernel capabilities are restricted within containers", rules: ["UY-C-5.4", "UY-C-CAP-1"] },
  { item: "5.5", title: "Ensure that privileged containers are not used", rules: ["UY-C-5.5"] },
  { item: "5.6", title: "Ensure sensitive host system directories are not mounted on containers", rules: ["UY-C-5.6"] },
  { item: "5.7", title: "Ensure sshd is not run within containers", rules: ["UY-C-5.7"], note: "Judged on the declared entrypoint and command." },
  { item: "5.8", title: "Ensure privileged ports are not mapped within containers", rules: ["UY-C-5.8"] },
  { item: "5.9", title: "Ensure that only needed ports are open on the container", rules: ["UY-C-5.9"] },
  { item: "5.10", title: "Ensure that the host's network namespace is not shared", rules: ["UY-C-5.10"] },
  { item: "5.11", title: "Ensure that the memory usage for containers is limited", rules: ["UY-C-5.11", "UY-C-SWAP-1"] },
  { item: "5.12", title: "Ensure that CPU priority is set appropriately on containers", rules: ["UY-C-5.12"], note: "Equal shares are a recorded project decision." },
  { item: "5.13", title: "Ensure that the container's root filesystem is mounted as read only", rules: ["UY-C-5.13", "UY-C-TMPFS-1", "UY-C-UPLOAD-1"] },
  { item: "5.14", title: "Ensure that incoming container traffic is bound to a specific host interface", rules: ["UY-C-5.14", "UY-C-NET-2"] },
  { item: "5.15", title: "Ensure that the 'on-failure' container restart policy is set to '5'", rules: ["UY-C-5.15"], note: "\"unless-stopped\" for services is a recorded project decision." },
  { item: "5.16", title: "Ensure that the host's process namespace is not shared", rules: ["UY-C-5.16"] },
  { item: "5.17", title: "Ensure that the host's IPC namespace is not shared", rules: ["UY-C-5.17"] },
  { item: "5.18", title: "Ensure that host devices are not directly exposed to containers", rules: ["UY-C-5.18"] },
  { item: "5.19", title: "Ensure that the default ulimit is overwritten at runtime if needed", rules: ["UY-C-5.19"] },
  { item: "5.20", title: "Ensure mount propagation mode is not set to shared", rules: ["UY-C-5.20"] },
  { item: "5.21", title: "Ensure that the host's UTS namespace is not shared", rules: [], note: "kreuzwerker/docker 3.6.2 has no uts_mode attribute: a container declared through it cannot share the host's UTS namespace." },
  { item: "5.22", title: "Ensure the default seccomp profile is not disabled", rules: ["UY-C-5.22"] },
  { item: "5.23", title: "Ensure that docker exec commands are not used with the privileged option", rules: [], note: "An operator action at run time, never declared in Terraform." },
  { item: "5.24", title: "Ensure that docker exec commands are not used with the user=root option", rules: [], note: "An operator action at run time, never declared in Terraform." },
  { item: "5.25", title: "Ensure that cgroup usage is confirmed", rules: ["UY-C-5.25"] },
  { item: "5.26", title: "Ensure that the container is restricted from acquiring additional privileges", rules: ["UY-C-5.26"] },
  { item: "5.27", title: "Ensure that container health is checked at runtime", rules: ["UY-C-5.27"] },
  { item: "5.28", title: "Ensure that Docker commands always make use of the latest version of their image", rules: ["UY-C-5.28", "UY-C-4.5"], note: "Expressed as fixed releases (and digests in prod): what runs is what was reviewed." },
  { item: "5.29", title: "Ensure that the PIDs cgroup limit is used", rules: ["UY-C-5.29", "UY-C-INIT-1"], note: "Provider gap (no pids_limit): a recorded suppression with compensating controls." },
  { item: "5.30", title: "Ensure that Docker's default bridge 'docker0' is not used", rules: ["UY-C-5.30"] },
  { item: "5.31", title: "Ensure that the host's user namespaces are not shared", rules: ["UY-C-5.31"] },
  { item: "5.32", title: "Ensure that the Docker socket is not mounted inside any containers", rules: ["UY-C-5.32"] },
];

/** CIS Docker Benchmark v1.6.0 section 4 (images) and the section 2 item applied per network. */
export const CIS_OTHER: readonly CoverageItem[] = [
  { item: "2.2", title: "Ensure network traffic is restricted between containers on the default bridge", rules: ["UY-C-NET-1"], note: "Applied to every non-internal user-defined network." },
  { item: "4.1", title: "Ensure that a user for the container has been created", rules: ["UY-C-4.1"] },
  { item: "4.2", title: "Ensure that containers use only trusted base images", rules: ["UY-C-5.28", "UY-C-4.5"], note: "Trust of the base itself is the image build's concern (e2e/images)." },
  { item: "4.3", title: "Ensure that unnecessary packages are not installed in the container", rules: [], note: "Image build, not deployment." },
  { item: "4.4", title: "Ensure images are scanned and rebuilt to include security patches", rules: [], note: "Image pipeline, not deployment." },
  { item: "4.5", title: "Ensure Content trust for Docker is Enabled", rules: ["UY-C-4.5"], note: "Digest pinning is the deploy-side equivalent." },
  { item: "4.6", title: "Ensure that HEALTHCHECK instructions have been added to container images", rules: ["UY-C-5.27"], note: "Declared at run time instead of in the image." },
  { item: "4.7", title: "Ensure update instructions are not used alone in the Dockerfile", rules: [], note: "Dockerfile." },
  { item: "4.8", title: "Ensure setuid and setgid permissions are removed", rules: ["UY-C-5.26"], note: "no-new-privileges makes them inert at run time." },
  { item: "4.9", title: "Ensure that COPY is used instead of ADD in Dockerfiles", rules: [], note: "Dockerfile." },
  { item: "4.10", title: "Ensure secrets are not stored in Dockerfiles", rules: ["UY-D-SECRET-1", "UY-D-ENV-1"], note: "Applied to the deployment: no secret in JSON or env." },
  { item: "4.11", title: "Ensure only verified packages are installed", rules: [], note: "Image build." },
  { item: "4.12", title: "Ensure all signed artifacts are validated", rules: [], note: "Image build." },
];

/** Vault production hardening (developer.hashicorp.com/vault/docs/concepts/production-hardening). */
export const VAULT_HARDENING: readonly CoverageItem[] = [
  { item: "Baseline", title: "Do not run as root", rules: ["UY-C-4.1"] },
  { item: "Baseline", title: "Allow minimal write privileges", rules: ["UY-C-5.13", "UY-VS-WRITE-1"] },
  { item: "Baseline", title: "Use end-to-end TLS", rules: ["UY-VS-TLS-1", "UY-VS-JOIN-1", "UY-VS-JOIN-2", "UY-VS-MTLS-1", "UY-VS-HSTS-1", "UY-V-TLS-1", "UY-V-TLS-2", "UY-V-DB-1"] },
  { item: "Baseline", title: "Disable swap", rules: ["UY-C-SWAP-1", "UY-VS-MLOCK-1"] },
  { item: "Baseline", title: "Disable core dumps", rules: ["UY-C-5.19"] },
  { item: "Baseline", title: "Use single tenancy", rules: [], note: "Deviation by design: one Docker host runs the whole environment; Vault nodes get their own internal Raft network and no co-located process inside their containers (docs/SECURITY.md)." },
  { item: "Baseline", title: "Firewall traffic", rules: ["UY-VS-NET-1", "UY-C-5.14", "UY-C-NET-1", "UY-C-NET-2", "UY-V-APPROLE-3"] },
  { item: "Baseline", title: "Avoid root tokens", rules: ["UY-V-TOKEN-1", "UY-VS-DEV-1"], note: "Revoking the initial root token is a procedure (docs/SECURITY.md)." },
  { item: "Baseline", title: "Configure user lockout", rules: [], note: "Vault's default (on for approle); nothing here turns it off." },
  { item: "Baseline", title: "Enable audit device logs", rules: ["UY-V-AUDIT-1", "UY-V-AUDIT-2", "UY-V-AUDIT-3"] },
  { item: "Baseline", title: "Log file management", rules: ["UY-C-LOG-1"] },
  { item: "Baseline", title: "Disable shell command history", rules: [], note: "Operator procedure." },
  { item: "Baseline", title: "Keep a frequent upgrade cadence", rules: ["UY-C-5.28"], note: "Releases are pinned per environment and rolled per node (vault.nodeImages)." },
  { item: "Baseline", title: "Synchronize clocks", rules: [], note: "Host setting (containers share the host clock)." },
  { item: "Baseline", title: "Restrict storage access", rules: ["UY-D-PROTECT-1", "UY-C-5.6"], note: "Raft data lives on named volumes mounted by the node only." },
  { item: "Baseline", title: "Do not use clear text credentials", rules: ["UY-VS-SEAL-1", "UY-D-SECRET-1", "UY-D-ENV-1"] },
  { item: "Baseline", title: "Use the safest algorithms available", rules: ["UY-VS-TLS-2", "UY-T-KEY-1", "UY-T-KEY-2"] },
  { item: "Baseline", title: "Follow best practices for plugins", rules: [], note: "No plugin directory is configured." },
  { item: "Baseline", title: "Be aware of non-deterministic configuration file merging", rules: ["UY-VS-CFG-1"] },
  { item: "Baseline", title: "Use correct filesystem permissions", rules: ["UY-VS-WRITE-1", "UY-V-AUDIT-3"], note: "Seeded files get their modes from the upload (VolumeSeed)." },
  { item: "Baseline", title: "Use standard input for vault secrets", rules: [], note: "Operator procedure." },
  { item: "Baseline", title: "Develop an off-boarding process", rules: [], note: "Organisational process." },
  { item: "Baseline", title: "Use short TTLs", rules: ["UY-V-TTL-1", "UY-V-TTL-2", "UY-V-APPROLE-2", "UY-T-VAL-1"] },
  { item: "Baseline", title: "Least privilege and bias towards simple policies", rules: ["UY-V-POL-1", "UY-V-POL-2"] },
  { item: "Extended", title: "Disable SSH / remote desktop", rules: ["UY-C-5.7"] },
  { item: "Extended", title: "Use systemd security features (NoNewPrivileges, CapabilityBoundingSet, PrivateDevices, ProtectSystem)", rules: ["UY-C-5.26", "UY-C-5.4", "UY-C-5.18", "UY-C-5.13"], note: "Their container equivalents." },
  { item: "Extended", title: "Perform immutable upgrades", rules: [], note: "Containers are replaced, never changed in place; per-node images roll one node at a time." },
  { item: "Extended", title: "Configure SELinux / AppArmor", rules: ["UY-C-5.2", "UY-C-5.3"] },
  { item: "Extended", title: "Adjust user limits", rules: ["UY-C-5.19"] },
  { item: "Extended", title: "Be aware of special container considerations (mlock)", rules: ["UY-VS-MLOCK-1"] },
  { item: "Extended", title: "Consider memory usage when configuring disable_mlock with integrated storage", rules: ["UY-VS-MLOCK-1"] },
  { item: "Extended", title: "Consider using a separate partition for integrated storage", rules: [], note: "Host or volume-driver setting." },
  { item: "Extended", title: "Use an administrative namespace", rules: [], note: "Vault Enterprise only." },
  { item: "Extended", title: "Authenticated reverse proxy", rules: [], note: "Not used: clients reach Vault directly over mTLS." },
  { item: "Extended", title: "Use an outbound network proxy", rules: [], note: "Vault's networks other than the publish-only one are internal (no egress)." },
  { item: "Extended", title: "Set deny_slash_in_templated_paths", rules: [], note: "Not yet set: no policy here uses templated paths; a candidate rule once the rendered configuration sets it." },
];
