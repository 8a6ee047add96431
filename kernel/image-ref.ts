/**
 * Container image references, parsed the way Docker reads them:
 * `[registry[:port]/]path[:tag][@sha256:<64 hex>]`.
 */
export interface ImageRef {
  /** Repository, including the registry host if any, e.g. `hashicorp/vault`. */
  readonly repository: string;
  /** Tag, e.g. `1.21.7`; undefined when the reference has none. */
  readonly tag?: string;
  /** Content digest, e.g. `sha256:…`; undefined when the reference has none. */
  readonly digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REGISTRY = /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)(?::[0-9]+)?$/;

/** A repository's registry host (when its first component names one: a dot, a port or "localhost") and its path. */
function splitRegistry(repository: string): { registry?: string; path: string[] } {
  const parts = repository.split("/");
  const first = parts[0] ?? "";
  const named = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  return named ? { registry: first, path: parts.slice(1) } : { path: parts };
}

/** Parses an image reference; returns undefined when Docker would reject it. */
export function parseImageRef(reference: string): ImageRef | undefined {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const { registry, path } = splitRegistry(rest);
  if (registry !== undefined && !REGISTRY.test(registry)) return undefined;
  if (path.length === 0 || !path.every((c) => PATH_COMPONENT.test(c))) return undefined;
  return { repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** How Docker names Docker Hub: these registry spellings all pull from it. */
const DOCKER_HUB_HOSTS = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

/**
 * The repository as Docker resolves it, so every spelling of one image compares equal:
 * `vault`, `library/vault`, `docker.io/library/vault` and `index.docker.io/library/vault` are all
 * `docker.io/library/vault`; registry host names are case-insensitive.
 */
export function canonicalRepository(ref: ImageRef): string {
  const split = splitRegistry(ref.repository);
  const registry = split.registry?.toLowerCase() ?? "docker.io";
  const path = split.path;
  if (DOCKER_HUB_HOSTS.includes(registry)) return `docker.io/${path.length === 1 ? "library/" : ""}${path.join("/")}`;
  return `${registry}/${path.join("/")}`;
}

/** Whether the reference names the official HashiCorp Vault image (Docker Hub, any spelling). */
export function isOfficialVaultImage(ref: ImageRef): boolean {
  return ["docker.io/hashicorp/vault", "docker.io/library/vault"].includes(canonicalRepository(ref));
}

/** Whether the reference names an official OpenBao image (Docker Hub, Quay, GHCR). */
export function isOfficialOpenBaoImage(ref: ImageRef): boolean {
  return ["docker.io/openbao/openbao", "quay.io/openbao/openbao", "ghcr.io/openbao/openbao"].includes(canonicalRepository(ref));
}

/**
 * Whether the reference most likely holds that server, official or mirrored: an official image,
 * or any repository whose last path component is the server's name (`registry.internal/hashicorp/vault`,
 * `mirror/openbao`). A mirror keeps the upstream tag, so its tag is read as the release.
 */
export function namesServer(ref: ImageRef, server: "vault" | "openbao"): boolean {
  if (server === "vault" ? isOfficialVaultImage(ref) : isOfficialOpenBaoImage(ref)) return true;
  return ref.repository.split("/").pop() === server;
}

/** A release as three numbers, e.g. [1, 21, 7]. */
export type Release = readonly [number, number, number];

/** The release part of a tag such as `1.21.7`, `1.21.7-ubi` or `2.0.2`; undefined for other tags (`1.21`, `latest`). */
export function releaseOfTag(tag: string): Release | undefined {
  const m = /^v?(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})(?:[-+][A-Za-z0-9_.-]*)?$/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function formatRelease(r: Release): string {
  return r.join(".");
}

function compareReleases(a: Release, b: Release): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The oldest release of each line the project accepts, per server. A release below the floor of
 * its line is refused; a line older than every listed line is refused; a line newer than every
 * listed line is accepted (a new line starts from the fixed code). Keep this table the only
 * place these versions are stated; docs/CONFIGURATION.md quotes it.
 *
 * HashiCorp Vault: the official image changed three times in 2026
 * (shared/research/vault-on-docker.md §0): 1.19.16, 1.20.10, 1.21.5 and 2.0.0 call setcap as the
 * non-root user and die; 1.19.17, 1.20.11, 1.21.6 and 2.0.1 carry a file capability
 * (cap_ipc_lock) on /bin/vault, so the kernel refuses to exec it without IPC_LOCK; 1.19.18,
 * 1.20.12, 1.21.7 and 2.0.2 removed the requirement (HashiCorp's "IPC_LOCK requirement removed"
 * note). Earlier releases of those lines predate the fixes the hardening relies on (executable
 * audit modes refused since CVE-2025-6000, explicit disable_mlock with Raft), and lines older
 * than 1.19 (the long-term-support line) no longer receive security fixes. 2.0.3's entrypoint
 * regression ("setcap: not found") is avoided by SKIP_SETCAP, which every node sets.
 *
 * OpenBao: audit devices are declared in the server configuration (OpenBao refuses to enable
 * them through the API); declarative audit devices exist since OpenBao 2.4.0 (openbao.org,
 * "Declarative Audit Devices" and "OpenBao Features - Declarative Configuration").
 *
 * No network is reachable from this project's machines to check newer releases: when a new
 * release line ships broken, add its floor here (with the source), and a test.
 */
export const SERVER_RELEASE_FLOORS: Readonly<Record<"vault" | "openbao", readonly Release[]>> = {
  vault: [
    [1, 19, 18],
    [1, 20, 12],
    [1, 21, 7],
    [2, 0, 2],
  ],
  openbao: [[2, 4, 0]],
};

/** "1.19.18+, 1.20.12+, 1.21.7+ or 2.0.2+" */
export function describeFloors(server: "vault" | "openbao"): string {
  const list = SERVER_RELEASE_FLOORS[server].map((f) => `${formatRelease(f)}+`);
  return list.length === 1 ? list[0]! : `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]!}`;
}

/** Why a release of that server is refused (the end of a sentence), or undefined when it is accepted. */
export function releaseBelowFloor(server: "vault" | "openbao", release: Release): string | undefined {
  const floors = SERVER_RELEASE_FLOORS[server];
  const use = `use ${describeFloors(server)} (or a newer line)`;
  const oldest = floors[0]!;
  if (release[0] < oldest[0] || (release[0] === oldest[0] && release[1] < oldest[1])) {
    return `is older than the oldest supported line (${oldest[0]}.${oldest[1]}); ${use}`;
  }
  const floor = floors.find((f) => f[0] === release[0] && f[1] === release[1]);
  if (floor !== undefined && compareReleases(release, floor) < 0) {
    return `is below ${formatRelease(floor)}, the first ${floor[0]}.${floor[1]} release that runs hardened here; ${use}`;
  }
  return undefined;
}
