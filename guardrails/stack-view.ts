/**
 * The subjects of one synthesized stack: every resource, data source, provider block and output
 * of `stack.toTerraform()`, each with its address and the construct path that owns it, plus one
 * derived `vault_server` subject per container that runs a Vault server, carrying the server's
 * arguments and its configuration file read from the JSON (found through the volume it is
 * mounted from and the seeder upload that fills that volume) with the HCL reader.
 */
import { readHcl } from "./hcl-reader";
import { templateSequences, unescapeTerraformLiteral } from "../kernel/terraform-template";
import { asObject, asString, isObject, objects, strings } from "./json";
import { VAULT_SERVER_TYPE, type Json, type JsonObject, type StackView, type Subject } from "./types";

export interface StackViewOptions {
  /** Construct path of each provider block, by address (`provider.vault`); default: the stack. */
  readonly providerPaths?: Readonly<Record<string, string>>;
}

/** `${docker_volume.x.name}` -> data?, type, name. */
const REFERENCE = /^\$\{(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(\.[^}]*)?\}$/;

function pathOf(body: JsonObject, fallback: string): string {
  const metadata = asObject(asObject(body["//"])["metadata"]);
  return asString(metadata["path"]) ?? fallback;
}

function withoutMetadata(body: JsonObject): JsonObject {
  const { ["//"]: _metadata, ...rest } = body;
  return rest;
}

class View implements StackView {
  readonly subjects: Subject[] = [];
  private readonly byType = new Map<string, Subject[]>();
  private readonly byAddress = new Map<string, Subject>();

  constructor(readonly id: string) {}

  add(subject: Subject): void {
    this.subjects.push(subject);
    const list = this.byType.get(subject.type) ?? [];
    list.push(subject);
    this.byType.set(subject.type, list);
    if (subject.kind === "resource" || subject.kind === "data") this.byAddress.set(subject.address, subject);
  }

  ofType(type: string): readonly Subject[] {
    return this.byType.get(type) ?? [];
  }

  resolve(reference: string): Subject | undefined {
    const m = REFERENCE.exec(reference.trim());
    if (!m) return undefined;
    return this.byAddress.get(`${m[1] ?? ""}${m[2]}.${m[3]}`);
  }
}

/** Builds the view of one stack from its `toTerraform()` JSON. */
export function buildStackView(stackId: string, json: JsonObject, options: StackViewOptions = {}): StackView {
  const view = new View(stackId);
  for (const [type, byName] of Object.entries(asObject(json["resource"]))) {
    for (const [name, body] of Object.entries(asObject(byName))) {
      if (!isObject(body)) continue;
      view.add({ kind: "resource", type, name, address: `${type}.${name}`, path: pathOf(body, stackId), body: withoutMetadata(body) });
    }
  }
  for (const [type, byName] of Object.entries(asObject(json["data"]))) {
    for (const [name, body] of Object.entries(asObject(byName))) {
      if (!isObject(body)) continue;
      view.add({ kind: "data", type, name, address: `data.${type}.${name}`, path: pathOf(body, stackId), body: withoutMetadata(body) });
    }
  }
  for (const [type, blocks] of Object.entries(asObject(json["provider"]))) {
    for (const body of objects(blocks)) {
      const alias = asString(body["alias"]);
      const address = alias ? `provider.${type}.${alias}` : `provider.${type}`;
      view.add({ kind: "provider", type, name: alias ?? type, address, path: options.providerPaths?.[address] ?? stackId, body });
    }
  }
  for (const [name, body] of Object.entries(asObject(json["output"]))) {
    if (!isObject(body)) continue;
    view.add({ kind: "output", type: "output", name, address: `output.${name}`, path: stackId, body });
  }
  for (const server of deriveVaultServers(view)) view.add(server);
  return view;
}

// ---------------------------------------------------------------------------------------------
// Vault servers

/** Executables that run a Vault-compatible server (`vault server`, OpenBao's `bao server`). */
const SERVER_BINARIES = ["vault", "bao"];
const VAULT_IMAGE = /(^|\/)(vault|openbao)([:@]|$)/;

/** Which server binary a container runs (`vault` or OpenBao's `bao`), when it runs one. */
export function vaultServerBinary(container: JsonObject, view: StackView): "vault" | "bao" | undefined {
  const argv = [...strings(container["entrypoint"]), ...strings(container["command"])];
  for (let i = 0; i + 1 < argv.length; i++) {
    const base = argv[i]!.split("/").pop()!;
    if (base === "vault" || base === "bao") {
      if (argv[i + 1] === "server") return base;
    }
  }
  if (vaultServerArguments(container, view) === undefined) return undefined;
  const imageRef = asString(container["image"]) ?? "";
  const name = asString(view.resolve(imageRef)?.body["name"]) ?? imageRef;
  return /(^|\/)openbao([:@]|$)/.test(name) ? "bao" : "vault";
}

/** The arguments after `vault server`, or undefined when the container does not run one. */
export function vaultServerArguments(container: JsonObject, view: StackView): string[] | undefined {
  const entrypoint = strings(container["entrypoint"]);
  const command = strings(container["command"]);
  const argv = [...entrypoint, ...command];
  for (let i = 0; i + 1 < argv.length; i++) {
    const base = argv[i]!.split("/").pop()!;
    if (SERVER_BINARIES.includes(base) && argv[i + 1] === "server") return argv.slice(i + 2);
  }
  // The official images' entrypoint runs `vault server` when the command starts with "server".
  if (entrypoint.length === 0 && command[0] === "server") {
    const imageRef = asString(container["image"]) ?? "";
    const image = view.resolve(imageRef);
    const name = image ? asString(image.body["name"]) ?? "" : imageRef;
    if (VAULT_IMAGE.test(name)) return command.slice(1);
  }
  return undefined;
}

/** `-config=X`, `--config=X` or `-config X`. */
export function configArguments(args: readonly string[]): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    const m = /^--?config(?:=(.*))?$/.exec(a);
    if (!m) return;
    const value = m[1] ?? args[i + 1];
    if (value !== undefined) out.push(value);
  });
  return out;
}

interface FileContent {
  readonly content?: string;
  /** Address of the resource whose upload holds it. */
  readonly source?: string;
  readonly problem?: string;
}

/** The content of a file inside a container, when the synthesized JSON says what it is. */
export function fileContent(container: Subject, file: string, view: StackView): FileContent {
  for (const u of objects(container.body["upload"])) {
    if (asString(u["file"]) === file) return { content: asString(u["content"]) ?? "", source: container.address };
  }
  for (const v of objects(container.body["volumes"])) {
    const mount = asString(v["container_path"]);
    if (mount === undefined || !file.startsWith(`${mount.replace(/\/$/, "")}/`)) continue;
    const relative = file.slice(mount.replace(/\/$/, "").length + 1);
    const volume = asString(v["volume_name"]);
    if (volume === undefined) {
      return { problem: `${file} comes from host path ${JSON.stringify(asString(v["host_path"]) ?? "")}, which cannot be read at synth` };
    }
    const found: FileContent[] = [];
    for (const other of view.ofType("docker_container")) {
      for (const ov of objects(other.body["volumes"])) {
        if (asString(ov["volume_name"]) !== volume) continue;
        const target = `${(asString(ov["container_path"]) ?? "").replace(/\/$/, "")}/${relative}`;
        for (const u of objects(other.body["upload"])) {
          if (asString(u["file"]) === target) found.push({ content: asString(u["content"]) ?? "", source: other.address });
        }
      }
    }
    if (found.length === 0) return { problem: `no resource in this stack delivers ${file} (volume ${volume})` };
    if (new Set(found.map((f) => f.content)).size > 1) return { problem: `${file} is delivered with different contents by ${found.map((f) => f.source).join(", ")}` };
    return found[0]!;
  }
  return { problem: `${file} is not on a volume or upload of this container; nothing in the stack says what it contains` };
}

function deriveVaultServers(view: StackView): Subject[] {
  const out: Subject[] = [];
  for (const container of view.ofType("docker_container")) {
    const args = vaultServerArguments(container.body, view);
    if (args === undefined) continue;
    const env: Record<string, string> = {};
    for (const e of strings(container.body["env"])) {
      const eq = e.indexOf("=");
      if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
    }
    const configFiles = configArguments(args);
    let config: JsonObject | null = null;
    let configSource: string | null = null;
    let configProblem: string | null = null;
    if ("VAULT_LOCAL_CONFIG" in env) {
      configProblem = "VAULT_LOCAL_CONFIG adds a configuration from the environment, merged with the files";
    } else if (configFiles.length === 0) {
      configProblem = "the server has no -config file";
    } else if (configFiles.length > 1) {
      configProblem = `${configFiles.length} -config files (${configFiles.join(", ")}) are merged, and merging is not deterministic`;
    } else {
      const file = fileContent(container, configFiles[0]!, view);
      if (file.problem !== undefined) configProblem = file.problem;
      else if (templateSequences(file.content!).length > 0) configProblem = `${configFiles[0]} contains Terraform expressions, unknown at synth`;
      else {
        try {
          // What Terraform writes into the file: the literal text, escapes undone.
          config = readHcl(unescapeTerraformLiteral(file.content!), configFiles[0]!);
          configSource = file.source ?? null;
        } catch (e) {
          configProblem = (e as Error).message;
        }
      }
    }
    const body: JsonObject = {
      container: container.body,
      binary: vaultServerBinary(container.body, view) ?? "vault",
      args,
      env: env as Record<string, Json>,
      configFiles,
      config,
      configSource,
      configProblem,
    };
    out.push({ kind: "vault-server", type: VAULT_SERVER_TYPE, name: container.name, address: container.address, path: container.path, body });
  }
  return out;
}
