/**
 * HardenedContainer: the one way this project declares a container. Every hardening property
 * is on by default; weakening one needs an explicit option carrying a reason, and every
 * weakening is recorded (`weakenings`) for the audit report.
 *
 * Defaults (CIS Docker Benchmark section 5 items a docker_container can express):
 * non-root numeric user, read-only rootfs, capabilities drop ALL, no-new-privileges, private IPC,
 * memory limit with swap equal to it (no swap), core dumps off, an init process, tmpfs mounts
 * noexec/nosuid/nodev with a size, ports published only on an explicit interface, json-file
 * logs with rotation, restart unless-stopped, a graceful stop, never `upload` (Docker refuses it
 * into read-only containers; deliver files with a VolumeSeed instead).
 *
 * Provider traps handled here (kreuzwerker/docker 3.6.2): health check and tmpfs edits are
 * silently ignored on update, so a hash of them is a label (labels force replacement); durations
 * are written in Go's canonical form ("1m0s") so they read back unchanged; `memory_swap` is
 * always set; added capabilities are written CAP_-prefixed as Docker reads them back; one-shot
 * jobs use attach + must_run=false + a postcondition on the exit code.
 *
 * Every text it hands Terraform (command, entrypoint, env, labels, health check, uploaded file
 * content) is literal: `${` and `%{` are escaped (kernel/terraform-template.ts), so a shell
 * script's `${name:-}` reaches the container byte for byte instead of being evaluated.
 */
import { Construct } from "constructs";
import type { ITerraformDependable, TerraformResource } from "cdktf";
import { Container, type ContainerConfig } from "@cdktf/provider-docker/lib/container";
import { UserInputError, show } from "../../kernel/errors";
import { isIpv4Address } from "../../kernel/cidr";
import {
  ADDABLE_CAPABILITIES,
  LOG_OPTIONS,
  MIN_REASON_LENGTH,
  SECRET_ENV_NAME,
  SETTINGS_HASH_LABEL,
  WEAKENING_METADATA,
  isEveryInterface,
  settingsHashOf,
  type RecordedWeakening,
} from "../../kernel/invariants";
import { terraformLiteral } from "../../kernel/terraform-template";

/** An explicit, justified opt-out of one hardening default. */
export interface Weakening {
  /** Why the default cannot hold for this container (at least 10 characters). */
  readonly reason: string;
}

export interface NetworkAttachment {
  /** Docker network name. */
  readonly name: string;
  /** DNS aliases on that network. @default [] */
  readonly aliases?: readonly string[];
}

export interface PublishedPort {
  /** Port inside the container. */
  readonly internal: number;
  /** Port on the host. */
  readonly external: number;
  /** Host interface address (never every interface: kernel/invariants.ts). */
  readonly ip: string;
}

export interface VolumeAttachment {
  /** Docker named volume. */
  readonly volume: string;
  /** Mount path in the container. */
  readonly target: string;
  /** Mount read-only. */
  readonly readOnly: boolean;
}

export interface HostPathAttachment {
  /** Absolute path on the Docker host (may be a Terraform expression). */
  readonly hostPath: string;
  /** Mount path in the container. */
  readonly target: string;
  /** Mount read-only. */
  readonly readOnly: boolean;
}

export interface TmpfsMount {
  /** Size limit in MiB. */
  readonly sizeMb: number;
  /** Owner uid (Docker ignores `mode` when the image already has the directory: use uid/gid). @default root */
  readonly uid?: number;
  /** Owner gid. @default root */
  readonly gid?: number;
  /** Octal mode, e.g. "0700". @default Docker's (1777, or the image directory's) */
  readonly mode?: string;
}

export interface HealthCheck {
  /** Test command, e.g. ["CMD-SHELL", "..."]. */
  readonly test: readonly string[];
  /** @default 10 */
  readonly intervalSeconds?: number;
  /** @default 5 */
  readonly timeoutSeconds?: number;
  /** @default 30 */
  readonly startPeriodSeconds?: number;
  /** @default 3 */
  readonly retries?: number;
}

export interface HardenedContainerProps {
  /** Container name. */
  readonly name: string;
  /** Image id (from a docker_image) or pinned reference. */
  readonly image: string;
  /** Numeric "uid:gid" the process runs as; uid 0 needs `runAsRoot`. */
  readonly user: string;
  /** @default the image's */
  readonly entrypoint?: readonly string[];
  /** @default the image's */
  readonly command?: readonly string[];
  /** Non-secret environment variables; secrets go in files (names ending in _FILE point at them). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Networks to join. At least one, unless networkMode is "none". */
  readonly networks: readonly NetworkAttachment[];
  /** "none" isolates the container from every network (jobs that need none). @default bridge + `networks` */
  readonly networkMode?: "none";
  /**
   * Files copied in before start. Docker refuses this into a read-only container, so it is only
   * accepted together with `writableRootfs` (VolumeSeed is the one user). @default none
   */
  readonly uploads?: readonly { readonly file: string; readonly content: string; readonly permissions: string }[];
  /** Published ports. @default none */
  readonly ports?: readonly PublishedPort[];
  /** Named volumes. @default none */
  readonly volumes?: readonly VolumeAttachment[];
  /** Host directories (bind mounts). @default none */
  readonly hostPaths?: readonly HostPathAttachment[];
  /** tmpfs mounts by path; always rw,noexec,nosuid,nodev with a size. @default none */
  readonly tmpfs?: Readonly<Record<string, TmpfsMount>>;
  /** Memory limit in MiB; swap is set equal (none). */
  readonly memoryMb: number;
  /** Health check. Long-running containers must have one unless `noHealthCheck` says why. */
  readonly healthCheck?: HealthCheck;
  /**
   * Make the apply wait until the health check passes (at most this many seconds), so dependents
   * start against a ready service. @default no wait
   */
  readonly waitUntilHealthySeconds?: number;
  /** Seconds Docker waits after SIGTERM before SIGKILL, on stop and destroy. @default 30 */
  readonly stopTimeoutSeconds?: number;
  /** Labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Run once to completion (a job): the apply waits for it and fails unless it exits 0. @default false */
  readonly oneShot?: boolean;
  /** Resources of the same stack whose change must re-create (and so re-run) this container. @default none */
  readonly replaceTriggeredBy?: readonly TerraformResource[];
  /** Explicit dependencies. @default none */
  readonly dependsOn?: readonly ITerraformDependable[];

  /** Opt-out: a writable root filesystem. */
  readonly writableRootfs?: Weakening;
  /** Opt-out: add capabilities back after dropping ALL. */
  readonly addCapabilities?: Weakening & { readonly capabilities: readonly string[] };
  /** Opt-out: run as uid 0. */
  readonly runAsRoot?: Weakening;
  /** Opt-out: no health check on a long-running container. */
  readonly noHealthCheck?: Weakening;
}

/** Go's time.Duration.String() for whole seconds: 5 -> "5s", 60 -> "1m0s", 3600 -> "1h0m0s". */
export function goDuration(totalSeconds: number): string {
  if (!Number.isInteger(totalSeconds) || totalSeconds < 0) throw new Error(`duration ${totalSeconds} must be whole seconds`);
  if (totalSeconds === 0) return "0s";
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** A process owner: numeric uid and gid. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** The owner a numeric "uid:gid" names; undefined for anything else (names are never resolved). */
export function parseOwner(user: string): Owner | undefined {
  const m = /^(\d+):(\d+)$/.exec(user);
  return m ? { uid: Number(m[1]), gid: Number(m[2]) } : undefined;
}

/** The Docker --tmpfs option string for a mount. */
export function tmpfsOptions(mount: TmpfsMount): string {
  const opts = ["rw", "noexec", "nosuid", "nodev", `size=${mount.sizeMb}m`];
  if (mount.uid !== undefined) opts.push(`uid=${mount.uid}`);
  if (mount.gid !== undefined) opts.push(`gid=${mount.gid}`);
  if (mount.mode !== undefined) opts.push(`mode=${mount.mode}`);
  return opts.join(",");
}

export class HardenedContainer extends Construct {
  public readonly container: Container;
  /** Hardening defaults this container weakened, with reasons. */
  public readonly weakenings: readonly RecordedWeakening[];
  public readonly name: string;

  constructor(scope: Construct, id: string, props: HardenedContainerProps) {
    super(scope, id);
    const fail = (field: string, message: string) => UserInputError.of(this.node.path, field, message);
    const weakenings: RecordedWeakening[] = [];
    const weaken = (property: string, w: Weakening | undefined) => {
      if (w === undefined) return false;
      if (w.reason.trim().length < MIN_REASON_LENGTH) throw fail(property, `weakening ${property} needs a reason of at least ${MIN_REASON_LENGTH} characters, got ${show(w.reason)}`);
      weakenings.push({ property, reason: w.reason.trim() });
      return true;
    };

    // user: numeric so the kernel never resolves a name inside the image.
    const user = parseOwner(props.user);
    if (!user) throw fail("user", `${show(props.user)} must be numeric "uid:gid", e.g. "100:1000"`);
    if (user.uid === 0 && !weaken("runAsRoot", props.runAsRoot)) {
      throw fail("user", `runs as root; use the image's unprivileged uid, or set runAsRoot with a reason`);
    }
    const writable = weaken("writableRootfs", props.writableRootfs);
    const added = props.addCapabilities ? [...props.addCapabilities.capabilities] : [];
    if (weaken("addCapabilities", props.addCapabilities)) {
      const bad = added.filter((c) => !ADDABLE_CAPABILITIES.includes(c));
      if (bad.length > 0 || added.length === 0) {
        throw fail("addCapabilities", `${show(added)} may only add ${ADDABLE_CAPABILITIES.join(", ")}`);
      }
    }
    if (props.healthCheck === undefined && !props.oneShot && !weaken("noHealthCheck", props.noHealthCheck)) {
      throw fail("healthCheck", "a long-running container needs a health check; add one or set noHealthCheck with a reason");
    }
    if (props.networkMode === "none" && props.networks.length > 0) throw fail("networks", `must be empty when networkMode is "none"`);
    if (props.networkMode !== "none" && props.networks.length === 0) throw fail("networks", "a container must join at least one network");
    if ((props.uploads?.length ?? 0) > 0 && !writable) {
      throw fail("uploads", "Docker refuses uploads into a read-only container; deliver files with a VolumeSeed");
    }
    if (!Number.isInteger(props.memoryMb) || props.memoryMb < 16) throw fail("memoryMb", `${show(props.memoryMb)} must be a whole number of MiB, at least 16`);
    for (const p of props.ports ?? []) {
      if (!isIpv4Address(p.ip) || isEveryInterface(p.ip)) {
        throw fail("ports", `${show(p.ip)} for port ${p.external} must be one host interface address, never every interface (0.0.0.0)`);
      }
    }
    for (const name of Object.keys(props.env ?? {})) {
      if (SECRET_ENV_NAME.test(name) && !name.endsWith("_FILE")) {
        throw fail("env", `${show(name)} looks like a secret; never pass secrets in env: deliver a file and pass ${name}_FILE`);
      }
    }
    for (const [path, mount] of Object.entries(props.tmpfs ?? {})) {
      if (!path.startsWith("/")) throw fail("tmpfs", `${show(path)} must be an absolute path`);
      if (!(mount.sizeMb > 0)) throw fail("tmpfs", `${path} needs a size (sizeMb > 0): an unbounded tmpfs can exhaust host memory`);
      if (mount.mode !== undefined && !/^0?[0-7]{3,4}$/.test(mount.mode)) throw fail("tmpfs", `${path}: mode ${show(mount.mode)} is not octal`);
    }
    this.weakenings = weakenings;
    this.name = props.name;

    const stopTimeout = props.stopTimeoutSeconds ?? 30;
    const healthcheck = props.healthCheck
      ? {
          test: props.healthCheck.test.map(terraformLiteral),
          interval: goDuration(props.healthCheck.intervalSeconds ?? 10),
          timeout: goDuration(props.healthCheck.timeoutSeconds ?? 5),
          startPeriod: goDuration(props.healthCheck.startPeriodSeconds ?? 30),
          retries: props.healthCheck.retries ?? 3,
        }
      : undefined;
    const tmpfs = Object.fromEntries(Object.entries(props.tmpfs ?? {}).map(([path, m]) => [path, tmpfsOptions(m)]));

    // The provider ignores edits to these on update. Labels force replacement, so a hash of them
    // as a label replaces the container when they change. (Not cdktf's terraform_data: its
    // validation runs `terraform version` per resource at synth, slow and failing without it.)
    const settingsHash = settingsHashOf(
      healthcheck
        ? {
            test: healthcheck.test,
            interval: healthcheck.interval,
            timeout: healthcheck.timeout,
            start_period: healthcheck.startPeriod,
            retries: healthcheck.retries,
          }
        : undefined,
      tmpfs,
    );

    const config: ContainerConfig = {
      name: props.name,
      image: props.image,
      user: props.user,
      ...(props.entrypoint ? { entrypoint: props.entrypoint.map(terraformLiteral) } : {}),
      ...(props.command ? { command: props.command.map(terraformLiteral) } : {}),
      env: Object.entries(props.env ?? {})
        .map(([k, v]) => terraformLiteral(`${k}=${v}`))
        .sort(),
      readOnly: !writable,
      // Docker stores added capabilities with their CAP_ prefix and the provider reads them back
      // verbatim: "CHOWN" would replace the container on every plan (seen on Docker 20.10).
      capabilities: { drop: ["ALL"], ...(added.length > 0 ? { add: added.map((c) => `CAP_${c}`) } : {}) },
      securityOpts: ["no-new-privileges:true"],
      privileged: false,
      publishAllPorts: false,
      ipcMode: "private",
      init: true,
      memory: props.memoryMb,
      memorySwap: props.memoryMb,
      ulimit: [{ name: "core", soft: 0, hard: 0 }],
      ...(Object.keys(tmpfs).length > 0 ? { tmpfs } : {}),
      ...(props.networkMode ? { networkMode: props.networkMode } : {}),
      ...(props.uploads?.length ? { upload: props.uploads.map((u) => ({ file: u.file, content: terraformLiteral(u.content), permissions: u.permissions })) } : {}),
      networksAdvanced: props.networks.map((n) => ({ name: n.name, ...(n.aliases?.length ? { aliases: [...n.aliases] } : {}) })),
      ports: (props.ports ?? []).map((p) => ({ internal: p.internal, external: p.external, ip: p.ip, protocol: "tcp" })),
      volumes: [
        ...(props.volumes ?? []).map((v) => ({ volumeName: v.volume, containerPath: v.target, readOnly: v.readOnly })),
        ...(props.hostPaths ?? []).map((h) => ({ hostPath: h.hostPath, containerPath: h.target, readOnly: h.readOnly })),
      ],
      ...(healthcheck ? { healthcheck } : {}),
      logDriver: "json-file",
      logOpts: { ...LOG_OPTIONS },
      stopTimeout,
      destroyGraceSeconds: stopTimeout,
      labels: Object.entries({ "uyoop.hardened": "true", [SETTINGS_HASH_LABEL]: settingsHash, ...(props.labels ?? {}) })
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, value]) => ({ label: terraformLiteral(label), value: terraformLiteral(value) })),
      ...(props.dependsOn ? { dependsOn: [...props.dependsOn] } : {}),
      ...(props.waitUntilHealthySeconds !== undefined ? { wait: true, waitTimeout: props.waitUntilHealthySeconds } : {}),
      ...(props.oneShot
        ? {
            // A job: created, run to completion during apply, kept (not rm) so its exit code
            // is read back; must_run=false so refresh does not delete it once it exited.
            attach: true,
            mustRun: false,
            rm: false,
            logs: false,
            restart: "no",
          }
        : { mustRun: true, restart: "unless-stopped" }),
      lifecycle: {
        // Bare references: Terraform parses each entry as an expression, and cdktf would render a
        // resource object as "${type.name}", which Terraform rejects.
        ...(props.replaceTriggeredBy?.length
          ? { replaceTriggeredBy: props.replaceTriggeredBy.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`) }
          : {}),
        ...(props.oneShot
          ? {
              postcondition: [
                {
                  condition: "${self.exit_code == 0}",
                  errorMessage: `job ${props.name} failed: read its output with \`docker logs ${props.name}\``,
                },
              ],
            }
          : {}),
      },
    };
    this.container = new Container(this, "Resource", config);
    // On the resource, where findings land: the guardrails read these, not this class.
    for (const w of weakenings) this.container.node.addMetadata(WEAKENING_METADATA, w);
  }
}
