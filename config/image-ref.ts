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
  const parts = rest.split("/");
  // A first component with a dot or a port, or "localhost", names a registry.
  const first = parts[0] ?? "";
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry && !REGISTRY.test(first)) return undefined;
  const path = hasRegistry ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((c) => PATH_COMPONENT.test(c))) return undefined;
  return { repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Whether the reference names the official HashiCorp Vault image (Docker Hub). */
export function isOfficialVaultImage(ref: ImageRef): boolean {
  return ["hashicorp/vault", "docker.io/hashicorp/vault", "vault", "library/vault", "docker.io/library/vault"].includes(
    ref.repository,
  );
}

/** Whether the reference names an official OpenBao image (Docker Hub, Quay, GHCR). */
export function isOfficialOpenBaoImage(ref: ImageRef): boolean {
  return ["openbao/openbao", "docker.io/openbao/openbao", "quay.io/openbao/openbao", "ghcr.io/openbao/openbao"].includes(ref.repository);
}

/**
 * Official Vault image releases that cannot start hardened (read-only rootfs, cap_drop ALL,
 * non-root). 1.19.16/1.20.10/1.21.5/2.0.0 call setcap as the non-root user and die;
 * 1.19.17/1.20.11/1.21.6/2.0.1 carry a file capability (cap_ipc_lock) on /bin/vault, so the
 * kernel refuses to exec it without IPC_LOCK. See shared/research/vault-on-docker.md §0.
 */
export const VAULT_IMAGE_TAGS_THAT_CANNOT_START_HARDENED: readonly string[] = [
  "1.19.16",
  "1.19.17",
  "1.20.10",
  "1.20.11",
  "1.21.5",
  "1.21.6",
  "2.0.0",
  "2.0.1",
];

/** The release part of a tag such as `1.21.7`, `1.21.7-ubi` or `2.0.2`; undefined for other tags. */
export function releaseOfTag(tag: string): string | undefined {
  const m = /^(\d+\.\d+\.\d+)(?:[-+].*)?$/.exec(tag);
  return m?.[1];
}
