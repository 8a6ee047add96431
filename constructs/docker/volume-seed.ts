/**
 * VolumeSeed: delivers files (configuration, certificates, keys) into a named volume that
 * hardened, read-only containers then mount read-only.
 *
 * Docker refuses archive uploads into a read-only container, so a one-shot seeder container
 * (created from an image with a shell, never attached to a network) receives the files through
 * `upload` into the volume, then gives them to the uid that reads them and exits. It is the only
 * container here with a writable rootfs and root: both are recorded weakenings, and it holds
 * just CAP_CHOWN. Files get their final mode from the upload itself, so no chmod (and no FOWNER)
 * is needed. A change to any file re-creates the seeder, which rewrites the volume.
 */
import { Construct } from "constructs";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { UserInputError, show } from "../../kernel/errors";
import { HardenedContainer, type Owner } from "./hardened-container";
import type { DataProtection } from "../data-protection";

/** Modes a seeded file may have: readable by its owner (and group), never writable by others. */
export type SeedFileMode = "0400" | "0440" | "0444" | "0600" | "0640" | "0644";

export interface SeedFile {
  /** Path inside the volume, relative (e.g. "tls/server-key.pem"). */
  readonly path: string;
  /** File content (may be a Terraform reference; sensitive values stay redacted in plans). */
  readonly content: string;
  /** File mode. */
  readonly mode: SeedFileMode;
}

export interface VolumeSeedProps {
  /** Name of the volume to create and fill. */
  readonly volumeName: string;
  /** Image providing /bin/sh and chown (e.g. the consumer's image). */
  readonly image: string;
  /** Files to deliver. */
  readonly files: readonly SeedFile[];
  /** Owner of every file: the uid:gid of the process that reads them. */
  readonly owner: Owner;
  /** Labels for the volume and the seeder. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Destroy protection, when the volume will also hold data written later (e.g. snapshots). @default none: seeded files are rebuilt from state */
  readonly protection?: DataProtection;
}

/** Where the seeder mounts the volume. */
export const SEED_MOUNT = "/seed";

export class VolumeSeed extends Construct {
  public readonly volume: Volume;
  public readonly seeder: HardenedContainer;
  public readonly files: readonly SeedFile[];

  constructor(scope: Construct, id: string, props: VolumeSeedProps) {
    super(scope, id);
    const fail = (field: string, message: string) => UserInputError.of(this.node.path, field, message);
    if (props.files.length === 0) throw fail("files", "nothing to seed");
    const seen = new Set<string>();
    for (const f of props.files) {
      if (!/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/.test(f.path) || f.path.split("/").includes("..")) {
        throw fail("files", `${show(f.path)} must be a relative path of lowercase names`);
      }
      if (seen.has(f.path)) throw fail("files", `${show(f.path)} is listed twice`);
      seen.add(f.path);
    }
    if (!Number.isInteger(props.owner.uid) || !Number.isInteger(props.owner.gid) || props.owner.uid < 0 || props.owner.gid < 0) {
      throw fail("owner", `${show(props.owner)} must be a numeric uid and gid`);
    }
    this.files = props.files;
    const labels = Object.entries(props.labels ?? {}).map(([label, value]) => ({ label, value }));

    this.volume = new Volume(this, "volume", {
      name: props.volumeName,
      labels,
      ...(props.protection ? { lifecycle: props.protection.lifecycle() } : {}),
    });
    this.seeder = new HardenedContainer(this, "seeder", {
      name: `${props.volumeName}-seeder`,
      image: props.image,
      user: "0:0",
      runAsRoot: { reason: "chown of the delivered files to the reader's uid needs root with CAP_CHOWN" },
      writableRootfs: { reason: "Docker refuses upload into a read-only container; the seeder never runs a network service" },
      addCapabilities: { capabilities: ["CHOWN"], reason: "gives the delivered files to the uid that reads them" },
      entrypoint: ["/bin/sh", "-c"],
      // Only validated numbers and a constant path are interpolated.
      command: [`chown -R ${props.owner.uid}:${props.owner.gid} ${SEED_MOUNT} && echo seeded`],
      networks: [],
      networkMode: "none",
      memoryMb: 32,
      oneShot: true,
      volumes: [{ volume: this.volume.name, target: SEED_MOUNT, readOnly: false }],
      uploads: props.files.map((f) => ({ file: `${SEED_MOUNT}/${f.path}`, content: f.content, permissions: f.mode })),
      labels: props.labels ?? {},
    });
  }
}
