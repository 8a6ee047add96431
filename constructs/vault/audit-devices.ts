/**
 * The environment's audit devices, stated once: a file device on each node's audit volume and a
 * second device on stdout (`docker logs`), so one failing never blocks the server; raw values are
 * never logged. Vault gets them as `vault_audit` resources, OpenBao in each node's configuration
 * (vault-server-flavour.ts).
 */
import { Construct } from "constructs";
import { Audit } from "@cdktf/provider-vault/lib/audit";
import { groupingOnly } from "../addressing";

export interface AuditDevice {
  /** Mount path of the device (`sys/audit/<path>`). */
  readonly path: string;
  /** Device type; both are file devices. */
  readonly type: "file";
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
}

export interface AuditSettings {
  /** File device on the audit volume. */
  readonly file: boolean;
  /** Device writing to stdout. */
  readonly stdout: boolean;
  /** Mode of the audit log file. */
  readonly fileMode: string;
}

/** The devices the settings ask for, the file device writing under `logsDir`. */
export function auditDevices(settings: AuditSettings, logsDir: string): AuditDevice[] {
  const out: AuditDevice[] = [];
  if (settings.file) {
    out.push({
      path: "file",
      type: "file",
      description: "audit log on each node's audit volume",
      options: { file_path: `${logsDir}/audit.log`, mode: settings.fileMode, log_raw: "false" },
    });
  }
  if (settings.stdout) {
    out.push({ path: "stdout", type: "file", description: "audit log on stdout (docker logs)", options: { file_path: "stdout", log_raw: "false" } });
  }
  return out;
}

export interface ApiAuditDevicesProps {
  /** The devices (auditDevices()). */
  readonly devices: readonly AuditDevice[];
}

/**
 * The devices as `vault_audit` resources, for servers that enable them through the API (Vault).
 * OpenBao refuses that: its devices are in each node's configuration (VaultCluster). A grouping
 * construct: `vault_audit.audit-<path>`.
 */
export class ApiAuditDevices extends Construct {
  public readonly devices: readonly Audit[];

  constructor(scope: Construct, id: string, props: ApiAuditDevicesProps) {
    super(scope, id);
    groupingOnly(this);
    this.devices = props.devices.map((d) => new Audit(this, `audit-${d.path}`, { type: d.type, path: d.path, description: d.description, options: { ...d.options } }));
  }
}
