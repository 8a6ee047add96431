/**
 * Container runtime pack: every control of the CIS Docker Benchmark v1.6.0 section 5 (and the
 * image items of section 4) that a kreuzwerker/docker `docker_container`, `docker_image` or
 * `docker_network` can express, and the provider's own traps.
 */
import { ADDABLE_CAPABILITIES, LOG_OPTIONS, SETTINGS_HASH_LABEL, isEveryInterface, settingsHashOf } from "../../kernel/invariants";
import { parseImageRef } from "../../kernel/image-ref";
import { asNumber, asObject, asString, isFalse, isToken, isTrue, objects, strings } from "../json";
import type { JsonObject, Rule, Subject } from "../types";

const CONTAINER = ["docker_container"];
const CIS = "CIS Docker Benchmark v1.6.0";

/** A one-shot job (attached, run to completion, not kept running). */
export function isOneShot(c: JsonObject): boolean {
  return isTrue(c["attach"]) || isFalse(c["must_run"]);
}

function securityOpts(c: JsonObject): string[] {
  return strings(c["security_opts"]).map((s) => s.trim().toLowerCase());
}

function normalizeCapability(c: string): string {
  return c.trim().toUpperCase().replace(/^CAP_/, "");
}

function argv(c: JsonObject): string[] {
  return [...strings(c["entrypoint"]), ...strings(c["command"])];
}

/** Host paths a container mounts: bind volumes and bind mounts. */
function hostPaths(c: JsonObject): string[] {
  const out: string[] = [];
  for (const v of objects(c["volumes"])) {
    const p = asString(v["host_path"]);
    if (p !== undefined) out.push(p);
  }
  for (const m of objects(c["mounts"])) {
    if ((asString(m["type"]) ?? "volume") === "bind") {
      const p = asString(m["source"]);
      if (p !== undefined) out.push(p);
    }
  }
  return out;
}

/** `${pathexpand("~/x")}/y` -> `~/x/y`; undefined when another expression is involved. */
export function literalHostPath(path: string): string | undefined {
  const expanded = path.replace(/\$\{pathexpand\("((?:[^"\\]|\\.)*)"\)\}/g, (_m, p: string) => p.replace(/\\(.)/g, "$1"));
  return expanded.includes("${") ? undefined : expanded;
}

/** CIS 5.6's sensitive host directories, and Docker's own state. */
export const SENSITIVE_HOST_DIRECTORIES = ["/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr", "/var/lib/docker"];

function normalizePath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join("/")}`;
}

const SOCKET = /(^|\/)(docker|containerd|podman|crio)\.sock$/;

function imageProblems(reference: string, prodNeedsDigest: boolean): string[] {
  const ref = parseImageRef(reference);
  if (!ref) return [`image ${JSON.stringify(reference)} is not a valid image reference`];
  if (prodNeedsDigest) return ref.digest === undefined ? [`image ${JSON.stringify(reference)} is not pinned by digest`] : [];
  if (ref.digest !== undefined) return [];
  if (ref.tag === undefined) return [`image ${JSON.stringify(reference)} has no tag: Docker pulls the moving "latest"`];
  if (ref.tag === "latest") return [`image ${JSON.stringify(reference)} uses the moving "latest" tag`];
  return [];
}

/** The image references a subject names literally (container images that are references are judged on their docker_image). */
function literalImages(s: Subject): string[] {
  const name = asString(s.type === "docker_image" ? s.body["name"] : s.body["image"]);
  return name === undefined || isToken(name) ? [] : [name];
}


export const containerRules: readonly Rule[] = [
  {
    id: "UY-C-4.1",
    pack: "container",
    level: "error",
    title: "Containers run as a non-root user",
    rationale:
      "A process running as uid 0 is root on the host's kernel: any escape (a kernel or runtime bug, a writable host mount) starts with full privileges. Vault's production-hardening guide asks the same of Vault itself.",
    fix: 'Set `user` to the image\'s unprivileged numeric "uid:gid" (HardenedContainer `user`); a container that truly needs root declares `runAsRoot` with a reason.',
    source: `${CIS} 4.1 (a user for the container has been created); Vault production hardening: "Do not run as root"`,
    securitySeverity: "7.5",
    appliesTo: CONTAINER,
    check: (s) => {
      const user = asString(s.body["user"]);
      if (user === undefined || user.trim() === "") return ["no `user`: the container runs as the image's default user, often root"];
      if (isToken(user)) return [`user ${JSON.stringify(user)} is an expression, unknown at synth`];
      const uid = user.split(":")[0]!.trim();
      return uid === "0" || uid === "root" ? [`runs as root (user ${JSON.stringify(user)})`] : [];
    },
  },
  {
    id: "UY-C-4.5",
    pack: "container",
    level: "error",
    title: "Production images are pinned by digest",
    rationale:
      "A tag can be moved to other content; a digest cannot. Pinning by digest is the deploy-side form of content trust: what was reviewed is what runs, and a registry compromise cannot swap it.",
    fix: 'Append "@sha256:<digest>" to every image reference of a prod environment (docker buildx imagetools inspect <ref>).',
    source: `${CIS} 4.5 (content trust) and 4.2 (trusted base images)`,
    securitySeverity: "6.5",
    appliesTo: ["docker_image", "docker_container"],
    profiles: ["prod"],
    check: (s) => literalImages(s).flatMap((ref) => imageProblems(ref, true)),
  },
  {
    id: "UY-C-5.2",
    pack: "container",
    level: "error",
    title: "The AppArmor profile is not disabled",
    rationale: "Docker confines every container with its docker-default AppArmor profile where the host supports it; `apparmor=unconfined` removes that layer.",
    fix: 'Remove "apparmor=unconfined" from `security_opts` (or name a stricter profile: "apparmor=<profile>").',
    source: `${CIS} 5.2`,
    securitySeverity: "6.0",
    appliesTo: CONTAINER,
    check: (s) => securityOpts(s.body).filter((o) => /^apparmor[=:]unconfined$/.test(o)).map((o) => `security_opts has "${o}"`),
  },
  {
    id: "UY-C-5.3",
    pack: "container",
    level: "error",
    title: "SELinux labeling is not disabled",
    rationale: "On SELinux hosts Docker labels each container so it cannot touch other containers' or the host's files; `label=disable` turns that off.",
    fix: 'Remove "label=disable" from `security_opts`.',
    source: `${CIS} 5.3`,
    securitySeverity: "6.0",
    appliesTo: CONTAINER,
    check: (s) => securityOpts(s.body).filter((o) => /^label[=:]disable$/.test(o)).map((o) => `security_opts has "${o}"`),
  },
  {
    id: "UY-C-5.4",
    pack: "container",
    level: "error",
    title: "All Linux capabilities are dropped and none added back",
    rationale: "Docker's default capability set (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, ...) is far more than a service needs; each one is kernel attack surface.",
    fix: 'Set `capabilities { drop = ["ALL"] }` and add nothing; a container that needs one back declares `addCapabilities` with a reason (HardenedContainer).',
    source: `${CIS} 5.4`,
    securitySeverity: "7.0",
    appliesTo: CONTAINER,
    check: (s) => {
      const caps = asObject(objects(s.body["capabilities"])[0]);
      const drop = strings(caps["drop"]).map(normalizeCapability);
      const add = strings(caps["add"]).map(normalizeCapability);
      const out: string[] = [];
      if (!drop.includes("ALL")) out.push(`capabilities.drop is ${JSON.stringify(drop)}, not ["ALL"]`);
      if (add.length > 0) out.push(`adds capabilities back: ${add.join(", ")}`);
      return out;
    },
  },
  {
    id: "UY-C-CAP-1",
    pack: "container",
    level: "error",
    title: "Only file-ownership and low-port capabilities may ever be added back",
    rationale:
      "Some capabilities (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, ...) are equivalent to root on the host or open container escapes; no reason justifies them here. This rule is never satisfied by a weakening.",
    fix: `Add back only ${ADDABLE_CAPABILITIES.join(", ")}, and only with a reasoned weakening.`,
    source: `${CIS} 5.4; HardenedContainer's allowlist`,
    securitySeverity: "9.0",
    appliesTo: CONTAINER,
    check: (s) => {
      const add = strings(asObject(objects(s.body["capabilities"])[0])["add"]).map(normalizeCapability);
      return add.filter((c) => !ADDABLE_CAPABILITIES.includes(c)).map((c) => `adds capability ${c}`);
    },
  },
  {
    id: "UY-C-5.5",
    pack: "container",
    level: "error",
    title: "Containers are never privileged",
    rationale: "A privileged container has every capability, every device and no confinement: it is root on the host.",
    fix: "Set `privileged = false` (HardenedContainer always does).",
    source: `${CIS} 5.5`,
    securitySeverity: "9.5",
    appliesTo: CONTAINER,
    check: (s) => (isTrue(s.body["privileged"]) ? ["privileged = true"] : []),
  },
  {
    id: "UY-C-5.6",
    pack: "container",
    level: "error",
    title: "Sensitive host directories are not mounted",
    rationale: "Mounting /, /etc, /proc, /sys, /dev, /boot, /lib, /usr or Docker's state lets the container read host secrets or change the host.",
    fix: "Deliver files through a named volume (VolumeSeed) or a dedicated directory; never bind a system directory.",
    source: `${CIS} 5.6`,
    securitySeverity: "8.5",
    appliesTo: CONTAINER,
    check: (s) =>
      hostPaths(s.body).flatMap((raw) => {
        const literal = literalHostPath(raw);
        if (literal === undefined) return [`host path ${JSON.stringify(raw)} is an expression, unknown at synth`];
        if (literal.startsWith("~")) return [];
        const p = normalizePath(literal);
        const hit = SENSITIVE_HOST_DIRECTORIES.find((d) => (d === "/" ? p === "/" : p === d || p.startsWith(`${d}/`)));
        return hit ? [`mounts host path ${JSON.stringify(raw)} (under ${hit})`] : [];
      }),
  },
  {
    id: "UY-C-5.7",
    pack: "container",
    level: "error",
    title: "No SSH daemon runs in a container",
    rationale: "An sshd adds credentials, a listening service and a management path that bypasses Docker's; use `docker exec` instead.",
    fix: "Remove sshd from the entrypoint/command.",
    source: `${CIS} 5.7`,
    securitySeverity: "5.0",
    appliesTo: CONTAINER,
    check: (s) => (argv(s.body).some((a) => /(^|[\s/])sshd(\s|$)/.test(a)) ? ["runs sshd"] : []),
  },
  {
    id: "UY-C-5.8",
    pack: "container",
    level: "error",
    title: "No privileged host port (below 1024) is published",
    rationale: "Ports below 1024 are reserved for the host's own privileged services; publishing one there can shadow them.",
    fix: "Publish on a host port from 1024 up (environment `hostPort`, `vault.hostPorts`).",
    source: `${CIS} 5.8`,
    securitySeverity: "4.0",
    appliesTo: CONTAINER,
    check: (s) =>
      objects(s.body["ports"]).flatMap((p) => {
        const external = asNumber(p["external"]);
        return external !== undefined && external < 1024 ? [`publishes host port ${external}`] : [];
      }),
  },
  {
    id: "UY-C-5.9",
    pack: "container",
    level: "error",
    title: "Only declared ports are published",
    rationale: "`publish_all_ports` publishes every port the image exposes, on every interface, at random host ports: nothing a reviewer can see.",
    fix: "Set `publish_all_ports = false` and list each needed port.",
    source: `${CIS} 5.9`,
    securitySeverity: "6.0",
    appliesTo: CONTAINER,
    check: (s) => (isTrue(s.body["publish_all_ports"]) ? ["publish_all_ports = true"] : []),
  },
  {
    id: "UY-C-5.10",
    pack: "container",
    level: "error",
    title: "The host's network namespace is not shared",
    rationale: "With `network_mode = \"host\"` the container sees every host interface and can bind or sniff any of them; network isolation is gone.",
    fix: "Join user-defined networks (`networks_advanced`), or `network_mode = \"none\"` for jobs that need no network.",
    source: `${CIS} 5.10`,
    securitySeverity: "8.0",
    appliesTo: CONTAINER,
    check: (s) => (asString(s.body["network_mode"]) === "host" ? ['network_mode = "host"'] : []),
  },
  {
    id: "UY-C-5.11",
    pack: "container",
    level: "error",
    title: "Memory is limited",
    rationale: "Without a limit one container can exhaust the host's memory and take every other service (Vault, PostgreSQL) down with it.",
    fix: "Set `memory` (MiB) (HardenedContainer `memoryMb`).",
    source: `${CIS} 5.11`,
    securitySeverity: "5.5",
    appliesTo: CONTAINER,
    check: (s) => {
      const m = asNumber(s.body["memory"]);
      return m !== undefined && m > 0 ? [] : ["no memory limit (`memory` unset or 0)"];
    },
  },
  {
    id: "UY-C-5.12",
    pack: "container",
    level: "warning",
    title: "CPU priority is set deliberately",
    rationale: "CPU shares decide who wins under contention; the Docker default (1024 for everyone) means no priority was chosen. (`cpus` is no alternative here: it panics kreuzwerker/docker 3.6.2, issue #759.)",
    fix: "Set `cpu_shares` (other than 1024) or `cpu_quota`/`cpu_period`; or record the decision to keep equal shares as a suppression.",
    source: `${CIS} 5.12; kreuzwerker/docker #759`,
    securitySeverity: "3.0",
    appliesTo: CONTAINER,
    check: (s) => {
      if (s.body["cpus"] !== undefined) return ["sets `cpus`, which panics kreuzwerker/docker 3.6.2 (#759)"];
      const shares = asNumber(s.body["cpu_shares"]);
      const quota = asNumber(s.body["cpu_quota"]);
      if ((shares !== undefined && shares > 0 && shares !== 1024) || (quota !== undefined && quota > 0)) return [];
      return ["no CPU priority: cpu_shares is the default 1024 and no cpu_quota"];
    },
  },
  {
    id: "UY-C-5.13",
    pack: "container",
    level: "error",
    title: "The root filesystem is read-only",
    rationale: "A writable root filesystem lets an intruder replace binaries and persist; read-only plus noexec tmpfs leaves nothing to write to but the declared volumes. Vault's guide: the service must not be able to overwrite its binary or configuration.",
    fix: "Set `read_only = true` with tmpfs for scratch paths; a container that truly needs a writable rootfs declares `writableRootfs` with a reason.",
    source: `${CIS} 5.13; Vault production hardening: "Allow minimal write privileges"`,
    securitySeverity: "7.0",
    appliesTo: CONTAINER,
    check: (s) => (isTrue(s.body["read_only"]) ? [] : ["the root filesystem is writable (read_only is false or unset)"]),
  },
  {
    id: "UY-C-5.14",
    pack: "container",
    level: "error",
    title: "Published ports are bound to one explicit host interface",
    rationale: "A port without `ip` is published on 0.0.0.0: every interface of the host, including public ones (kreuzwerker/docker's default).",
    fix: "Give every `ports` entry an `ip`: the configured interface (`host.bindAddress`), never 0.0.0.0 or ::.",
    source: `${CIS} 5.14; kreuzwerker/docker ports.ip defaults to 0.0.0.0`,
    securitySeverity: "7.5",
    appliesTo: CONTAINER,
    check: (s) =>
      objects(s.body["ports"]).flatMap((p) => {
        const ip = asString(p["ip"]);
        const port = asNumber(p["external"]) ?? asNumber(p["internal"]);
        if (ip === undefined || ip.trim() === "") return [`port ${port} has no host interface: Docker publishes it on 0.0.0.0`];
        return isEveryInterface(ip) ? [`port ${port} is published on ${ip} (every interface)`] : [];
      }),
  },
  {
    id: "UY-C-5.15",
    pack: "container",
    level: "warning",
    title: "Restarts are bounded ('on-failure' with at most 5 retries)",
    rationale: "A container that restarts forever in a crash loop consumes the host and hides the failure.",
    fix: 'Use `restart = "on-failure"` with `max_retry_count` 1-5, or "no" for jobs; never "always". Keeping "unless-stopped" needs a recorded decision.',
    source: `${CIS} 5.15`,
    securitySeverity: "3.0",
    appliesTo: CONTAINER,
    check: (s) => {
      const restart = asString(s.body["restart"]) ?? "no";
      if (restart === "no") return [];
      if (restart === "on-failure") {
        const n = asNumber(s.body["max_retry_count"]) ?? 0;
        return n >= 1 && n <= 5 ? [] : [`restart "on-failure" with max_retry_count ${n} (not 1-5)`];
      }
      return [`restart "${restart}" retries without limit`];
    },
  },
  {
    id: "UY-C-5.16",
    pack: "container",
    level: "error",
    title: "The host's process namespace is not shared",
    rationale: "With the host's PID namespace a container sees (and, as root, can signal or ptrace) every host process.",
    fix: 'Remove `pid_mode = "host"`.',
    source: `${CIS} 5.16`,
    securitySeverity: "8.0",
    appliesTo: CONTAINER,
    check: (s) => (asString(s.body["pid_mode"]) === "host" ? ['pid_mode = "host"'] : []),
  },
  {
    id: "UY-C-5.17",
    pack: "container",
    level: "error",
    title: "IPC is private",
    rationale: "A shared (host, shareable or another container's) IPC namespace exposes shared memory segments across the boundary.",
    fix: 'Set `ipc_mode = "private"` (or "none").',
    source: `${CIS} 5.17`,
    securitySeverity: "6.0",
    appliesTo: CONTAINER,
    check: (s) => {
      const mode = asString(s.body["ipc_mode"]);
      return mode === "private" || mode === "none" ? [] : [`ipc_mode is ${mode === undefined ? "unset (the daemon's default, possibly shareable)" : JSON.stringify(mode)}`];
    },
  },
  {
    id: "UY-C-5.18",
    pack: "container",
    level: "error",
    title: "No host device is exposed",
    rationale: "A host device node gives direct access to hardware (disks, GPUs) outside every container control.",
    fix: "Remove `devices` and `gpus`.",
    source: `${CIS} 5.18`,
    securitySeverity: "7.0",
    appliesTo: CONTAINER,
    check: (s) => [
      ...objects(s.body["devices"]).map((d) => `exposes host device ${JSON.stringify(asString(d["host_path"]) ?? "")}`),
      ...(s.body["gpus"] !== undefined ? [`exposes GPUs (${JSON.stringify(s.body["gpus"])})`] : []),
    ],
  },
  {
    id: "UY-C-5.19",
    pack: "container",
    level: "error",
    title: "Core dumps are disabled (ulimit core 0:0)",
    rationale: "A core dump writes the process memory (Vault's keys, PostgreSQL's buffers, the app's tokens) to disk for anyone who can read it. The default ulimits are overridden at runtime exactly for this.",
    fix: 'Add `ulimit { name = "core", soft = 0, hard = 0 }`.',
    source: `${CIS} 5.19; Vault production hardening: "Disable core dumps"`,
    securitySeverity: "6.5",
    appliesTo: CONTAINER,
    check: (s) => {
      const core = objects(s.body["ulimit"]).find((u) => asString(u["name"]) === "core");
      if (!core) return ["no core ulimit: core dumps keep the daemon's default"];
      return asNumber(core["soft"]) === 0 && asNumber(core["hard"]) === 0 ? [] : [`core ulimit is ${JSON.stringify(core["soft"])}:${JSON.stringify(core["hard"])}, not 0:0`];
    },
  },
  {
    id: "UY-C-5.20",
    pack: "container",
    level: "error",
    title: "Mount propagation is never shared",
    rationale: "A shared bind mount propagates the container's mounts back to the host (and the host's into the container).",
    fix: 'Use the default (rprivate) propagation; never "shared" or "rshared".',
    source: `${CIS} 5.20`,
    securitySeverity: "6.0",
    appliesTo: CONTAINER,
    check: (s) =>
      objects(s.body["mounts"]).flatMap((m) => {
        const p = asString(asObject(objects(m["bind_options"])[0])["propagation"]);
        return p === "shared" || p === "rshared" ? [`mount ${JSON.stringify(asString(m["target"]) ?? "")} has ${p} propagation`] : [];
      }),
  },
  {
    id: "UY-C-5.22",
    pack: "container",
    level: "error",
    title: "The default seccomp profile is not disabled",
    rationale: "Docker's default seccomp profile blocks about 44 dangerous system calls; `seccomp=unconfined` re-opens them all.",
    fix: 'Remove "seccomp=unconfined" from `security_opts` (a custom profile must be inlined JSON: "seccomp=<json>").',
    source: `${CIS} 5.22`,
    securitySeverity: "7.0",
    appliesTo: CONTAINER,
    check: (s) => securityOpts(s.body).filter((o) => /^seccomp[=:]unconfined$/.test(o)).map((o) => `security_opts has "${o}"`),
  },
  {
    id: "UY-C-5.25",
    pack: "container",
    level: "error",
    title: "The container stays in its own cgroup",
    rationale: "A custom `cgroup_parent` or the host's cgroup namespace moves the container out of the limits Docker manages for it.",
    fix: 'Remove `cgroup_parent`; never `cgroupns_mode = "host"`.',
    source: `${CIS} 5.25`,
    securitySeverity: "5.0",
    appliesTo: CONTAINER,
    check: (s) => [
      ...(asString(s.body["cgroup_parent"]) ? [`cgroup_parent = ${JSON.stringify(s.body["cgroup_parent"])}`] : []),
      ...(asString(s.body["cgroupns_mode"]) === "host" ? ['cgroupns_mode = "host"'] : []),
    ],
  },
  {
    id: "UY-C-5.26",
    pack: "container",
    level: "error",
    title: "Processes cannot acquire new privileges",
    rationale: "no-new-privileges makes setuid/setgid binaries and file capabilities inert, the runtime side of removing them from images (CIS 4.8).",
    fix: 'Add "no-new-privileges:true" to `security_opts`.',
    source: `${CIS} 5.26 (and 4.8); Vault production hardening (extended): "NoNewPrivileges"`,
    securitySeverity: "7.0",
    appliesTo: CONTAINER,
    check: (s) =>
      securityOpts(s.body).some((o) => /^no-new-privileges([:=]true)?$/.test(o)) ? [] : ['security_opts lacks "no-new-privileges:true"'],
  },
  {
    id: "UY-C-5.27",
    pack: "container",
    level: "error",
    title: "Long-running containers have a health check",
    rationale: "Without a health check Docker (and `wait`) report a hung service as running; dependants start against it and nobody is told.",
    fix: "Add a `healthcheck`; one that truly cannot have one declares `noHealthCheck` with a reason. One-shot jobs are exempt.",
    source: `${CIS} 5.27 and 4.6`,
    securitySeverity: "3.5",
    appliesTo: CONTAINER,
    check: (s) => {
      if (isOneShot(s.body)) return [];
      const hc = objects(s.body["healthcheck"])[0];
      const test = hc ? strings(hc["test"]) : [];
      if (test.length === 0) return ["no health check"];
      return test[0]!.toUpperCase() === "NONE" ? ['health check test is ["NONE"]'] : [];
    },
  },
  {
    id: "UY-C-5.28",
    pack: "container",
    level: "error",
    title: "Images name a fixed release (never 'latest' or no tag)",
    rationale: "A moving tag means the same code deploys different software over time and a reviewer cannot tell what runs.",
    fix: 'Use "repository:release-tag" (and a digest in prod).',
    source: `${CIS} 5.28 (image versions) and 4.2`,
    securitySeverity: "5.0",
    appliesTo: ["docker_image", "docker_container"],
    check: (s) => literalImages(s).flatMap((ref) => imageProblems(ref, false)),
  },
  {
    id: "UY-C-5.29",
    pack: "container",
    level: "error",
    title: "The number of processes is limited (PIDs cgroup limit)",
    rationale: "A fork bomb in one container exhausts the host's PID space and stops every other service.",
    fix: "Set a pids limit. kreuzwerker/docker 3.6.2 has no `pids_limit` attribute (research: provider-behaviour.md); until it does, the gap is a recorded suppression with compensating controls.",
    source: `${CIS} 5.29; kreuzwerker/docker has no pids_limit`,
    securitySeverity: "5.0",
    appliesTo: CONTAINER,
    check: (s) => {
      const limit = asNumber(s.body["pids_limit"]);
      return limit !== undefined && limit > 0 ? [] : ["no PIDs limit (kreuzwerker/docker 3.6.2 cannot set one)"];
    },
  },
  {
    id: "UY-C-5.30",
    pack: "container",
    level: "error",
    title: "Containers use user-defined networks, not docker0",
    rationale: "On Docker's default bridge every container can reach every other one and names do not resolve; user-defined networks give isolation per purpose.",
    fix: 'Join the environment\'s networks (`networks_advanced`), or `network_mode = "none"`.',
    source: `${CIS} 5.30`,
    securitySeverity: "5.0",
    appliesTo: CONTAINER,
    check: (s) => {
      const mode = asString(s.body["network_mode"]);
      if (mode === "none" || mode === "host") return [];
      const networks = objects(s.body["networks_advanced"]).map((n) => asString(n["name"]) ?? "");
      const out: string[] = [];
      if (networks.length === 0) out.push(`on Docker's default bridge (network_mode ${mode === undefined ? "unset" : JSON.stringify(mode)}, no networks_advanced)`);
      if (mode !== undefined && mode !== "bridge" && mode !== "default") out.push(`network_mode ${JSON.stringify(mode)} shares another namespace`);
      if (networks.includes("bridge")) out.push('joins the "bridge" network (docker0)');
      return out;
    },
  },
  {
    id: "UY-C-5.31",
    pack: "container",
    level: "error",
    title: "The host's user namespace is not shared",
    rationale: "`userns_mode = \"host\"` opts out of user-namespace remapping, so root in the container is root on the host.",
    fix: "Remove `userns_mode`.",
    source: `${CIS} 5.31`,
    securitySeverity: "7.0",
    appliesTo: CONTAINER,
    check: (s) => (asString(s.body["userns_mode"]) === "host" ? ['userns_mode = "host"'] : []),
  },
  {
    id: "UY-C-5.32",
    pack: "container",
    level: "error",
    title: "The Docker socket is never mounted",
    rationale: "Whoever reaches the Docker (or containerd) socket controls the daemon, hence the host.",
    fix: "Remove the socket mount.",
    source: `${CIS} 5.32`,
    securitySeverity: "9.5",
    appliesTo: CONTAINER,
    check: (s) => hostPaths(s.body).filter((p) => SOCKET.test(p.trim())).map((p) => `mounts ${p}`),
  },
  {
    id: "UY-C-UPLOAD-1",
    pack: "container",
    level: "error",
    title: "No `upload` into a read-only container",
    rationale: "Docker refuses archive uploads into a read-only root filesystem (even onto a volume), so the apply fails; making the container writable to fix it undoes UY-C-5.13.",
    fix: "Deliver files with a VolumeSeed: a one-shot seeder uploads into a named volume that the hardened container mounts read-only.",
    source: "kreuzwerker/docker `upload` with `read_only` (research: provider-behaviour.md A2, verified on a real engine)",
    securitySeverity: "3.0",
    appliesTo: CONTAINER,
    check: (s) => (isTrue(s.body["read_only"]) && objects(s.body["upload"]).length > 0 ? ["uploads files into a read-only container: Docker refuses it at apply"] : []),
  },
  {
    id: "UY-C-SWAP-1",
    pack: "container",
    level: "error",
    title: "No swap: memory_swap equals memory",
    rationale: "Left unset, Docker lets a container swap as much again as its memory limit, so secrets in memory reach disk. Vault's guide asks to disable swap.",
    fix: "Set `memory_swap` equal to `memory` (HardenedContainer always does).",
    source: 'Vault production hardening: "Disable swap"; kreuzwerker/docker memory_swap',
    securitySeverity: "5.5",
    appliesTo: CONTAINER,
    check: (s) => {
      const memory = asNumber(s.body["memory"]);
      const swap = asNumber(s.body["memory_swap"]);
      if (swap === undefined) return ["memory_swap is unset: Docker allows swap equal to the memory limit"];
      return swap === memory ? [] : [`memory_swap ${swap} differs from memory ${memory ?? "(unset)"}: the container may swap`];
    },
  },
  {
    id: "UY-C-TMPFS-1",
    pack: "container",
    level: "error",
    title: "tmpfs mounts are noexec, nosuid, nodev and bounded",
    rationale: "tmpfs is the only writable place of a read-only container; executable or unbounded, it becomes a drop zone for binaries or a way to exhaust host memory.",
    fix: 'Mount every tmpfs with "rw,noexec,nosuid,nodev,size=<n>m" (HardenedContainer `tmpfs`).',
    source: `${CIS} 5.13 (read-only rootfs with restricted writable paths)`,
    securitySeverity: "5.0",
    appliesTo: CONTAINER,
    check: (s) =>
      Object.entries(asObject(s.body["tmpfs"])).flatMap(([path, options]) => {
        const opts = (asString(options) ?? "").split(",").map((o) => o.trim());
        const missing = ["noexec", "nosuid", "nodev"].filter((o) => !opts.includes(o));
        if (!opts.some((o) => /^size=\d+[kmg]?$/.test(o))) missing.push("size=");
        return missing.length > 0 ? [`tmpfs ${path} lacks ${missing.join(", ")}`] : [];
      }),
  },
  {
    id: "UY-C-TRIGGER-1",
    pack: "container",
    level: "error",
    title: "Health check and tmpfs changes replace the container",
    rationale: "kreuzwerker/docker 3.6.2 silently ignores edits to `healthcheck` and `tmpfs` on update: a tightened tmpfs or a fixed health check would never reach the running container.",
    fix: `Label the container with ${SETTINGS_HASH_LABEL} = the hash of its healthcheck and tmpfs (labels force replacement); HardenedContainer does this.`,
    source: "kreuzwerker/docker: healthcheck and tmpfs are not updated in place (research: provider-behaviour.md)",
    securitySeverity: "4.0",
    appliesTo: CONTAINER,
    // The project first used a terraform_data in replace_triggered_by; cdktf's terraform_data
    // runs `terraform version` per resource at synth (slow, and fails without terraform), so
    // HardenedContainer now carries a hash label instead. This rule recomputes the hash.
    check: (s) => {
      const healthcheck = objects(s.body["healthcheck"])[0];
      const tmpfs = asObject(s.body["tmpfs"]) as Record<string, string>;
      if (healthcheck === undefined && Object.keys(tmpfs).length === 0) return [];
      const label = objects(s.body["labels"]).find((l) => l["label"] === SETTINGS_HASH_LABEL);
      const expected = settingsHashOf(healthcheck, tmpfs);
      if (label === undefined) return [`no ${SETTINGS_HASH_LABEL} label: edits to healthcheck or tmpfs would be ignored`];
      return label["value"] === expected ? [] : [`${SETTINGS_HASH_LABEL} label is stale (expected ${expected}): edits to healthcheck or tmpfs would be ignored`];
    },
  },
  {
    id: "UY-C-LOG-1",
    pack: "container",
    level: "error",
    title: "Logs are kept and rotated",
    rationale: "Container logs are the audit trail (Vault's stdout audit device writes there); unrotated json-file logs fill the host disk, `none` destroys the trail.",
    fix: 'Use `log_driver = "json-file"` (or "local") with `log_opts` max-size and max-file, or ship them (journald, syslog, fluentd).',
    source: 'Vault production hardening: "Log file management"; Docker logging drivers',
    securitySeverity: "4.0",
    appliesTo: CONTAINER,
    check: (s) => {
      const driver = asString(s.body["log_driver"]);
      const opts = asObject(s.body["log_opts"]);
      if (driver === undefined) return ["no log_driver: the daemon default (json-file) keeps logs without rotation"];
      if (driver === "none") return ['log_driver "none" discards the logs'];
      if (driver === "json-file" || driver === "local") {
        const missing = Object.keys(LOG_OPTIONS).filter((k) => opts[k] === undefined);
        return missing.length > 0 ? [`log_driver ${driver} without ${missing.join(" and ")}: logs are never rotated`] : [];
      }
      return [];
    },
  },
  {
    id: "UY-C-INIT-1",
    pack: "container",
    level: "warning",
    title: "Long-running containers run an init process",
    rationale: "An init (tini) as PID 1 reaps zombies and forwards signals, so orphaned processes do not pile up; one of the compensating controls while no PIDs limit can be set.",
    fix: "Set `init = true` (HardenedContainer always does).",
    source: `${CIS} 5.29 (compensating control)`,
    securitySeverity: "2.0",
    appliesTo: CONTAINER,
    check: (s) => (isOneShot(s.body) || isTrue(s.body["init"]) ? [] : ["init is not enabled"]),
  },
  {
    id: "UY-C-NET-1",
    pack: "container",
    level: "error",
    title: "Non-internal networks disable inter-container traffic",
    rationale: "A network with a route to the outside exists to publish ports; letting its containers talk to each other there bypasses the internal networks that define who may reach whom.",
    fix: 'Set option "com.docker.network.bridge.enable_icc" = "false" on every non-internal network, or make it `internal`.',
    source: `${CIS} 2.2 (restrict network traffic between containers), per network`,
    securitySeverity: "5.0",
    appliesTo: ["docker_network"],
    check: (s) => {
      if (isTrue(s.body["internal"])) return [];
      const icc = asString(asObject(s.body["options"])["com.docker.network.bridge.enable_icc"]);
      return icc === "false" ? [] : ["a non-internal network allows inter-container traffic (enable_icc is not \"false\")"];
    },
  },
  {
    id: "UY-C-NET-2",
    pack: "container",
    level: "error",
    title: "Non-internal networks publish on one host interface by default",
    rationale: "The network's default binding decides where a port without an explicit ip lands; 0.0.0.0 would expose it everywhere (defense in depth for UY-C-5.14).",
    fix: 'Set option "com.docker.network.bridge.host_binding_ipv4" to the configured interface.',
    source: `${CIS} 5.14 (defense in depth); Docker bridge driver options`,
    securitySeverity: "5.0",
    appliesTo: ["docker_network"],
    check: (s) => {
      if (isTrue(s.body["internal"])) return [];
      const ip = asString(asObject(s.body["options"])["com.docker.network.bridge.host_binding_ipv4"]);
      return !isEveryInterface(ip) ? [] : [`default host binding is ${ip === undefined ? "unset (0.0.0.0)" : JSON.stringify(ip)}`];
    },
  },
];
