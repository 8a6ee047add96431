/**
 * Mermaid diagrams and tables of the environment's topology (docs/TOPOLOGY.md): services,
 * networks and published ports; storage (volumes, who seeds and who mounts them, stateful ones
 * marked); trust (the CA, the certificates it signs, who holds them and who trusts the CA).
 * Pure: synthesized stacks (+ labels from the configuration) in, deterministic text out.
 */
import type { StackSet } from "../plan-diff/tf-json";
import { extractTopology, type Topology, type Container, type Certificate } from "./topology";

export interface TopologyLabels {
  /** Environment name (config.name). */
  readonly environment: string;
  /** Profile (config.profile). */
  readonly profile: string;
  /** Where the configuration came from, e.g. environments/dev.json. */
  readonly source: string;
}

/** Mermaid node ids: a prefix per kind, then the stack and the resource name (its type is implied). */
const id = (prefix: string, key: string) => `${prefix}_${key.replace(/\|[a-z0-9]+_[a-z0-9_]+\./, "|").replace(/[^A-Za-z0-9]/g, "_")}`;
const q = (text: string) => `"${text.replace(/"/g, "#quot;")}"`;
const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

function hours(h: number | undefined): string {
  if (h === undefined) return "?";
  if (h % 8760 === 0) return `${h / 8760}y`;
  if (h % 24 === 0) return `${h / 24}d`;
  return `${h}h`;
}

function kind(c: Container): string {
  return c.seeder ? "seeder job" : c.oneShot ? "one-shot job" : "service";
}

/** Groups of long-running containers sharing a stack and component (Vault nodes, app replicas). */
function groups(t: Topology): Map<string, Container[]> {
  const out = new Map<string, Container[]>();
  for (const c of t.containers) {
    if (c.oneShot) continue;
    const k = `${c.stack}|${c.component}`;
    out.set(k, [...(out.get(k) ?? []), c]);
  }
  for (const [k, v] of [...out]) if (v.length < 2) out.delete(k);
  return out;
}

/** Replaces a set of container keys by a group id when it is exactly a group. */
function endpoints(keys: readonly string[], gs: Map<string, Container[]>): string[] {
  for (const [g, members] of gs) {
    if (members.length === keys.length && members.every((m) => keys.includes(m.key))) return [id("g", g)];
  }
  return keys.map((k) => (k === "terraform" ? "terraform" : id("c", k))).sort();
}

function containerLabel(c: Container): string {
  const bits = [c.image];
  if (c.oneShot) bits.push(c.seeder ? "seeder job" : "one-shot job");
  return `${c.name}<br/>${bits.join(" · ")}`;
}

export function servicesDiagram(t: Topology): string {
  const gs = groups(t);
  const lines = ["flowchart LR"];
  const shown = t.containers.filter((c) => !c.seeder).sort(byName);
  const published = shown.flatMap((c) => c.ports.map((p) => ({ c, p })));
  lines.push(`  subgraph host[${q("Docker host")}]`);
  if (t.terraformTarget) lines.push(`    terraform([${q("Terraform<br/>cdktf deploy")}])`);
  for (const { p } of published) lines.push(`    ${id("p", `${p.ip}_${p.external}`)}[/${q(`${p.ip}:${p.external}`)}/]`);
  lines.push("  end");
  for (const s of t.stacks) {
    const members = shown.filter((c) => c.stack === s);
    if (!members.length) continue;
    lines.push(`  subgraph ${id("s", s)}[${q(`stack ${s}`)}]`);
    const inGroup = new Set<string>();
    for (const [g, cs] of [...gs].filter(([, cs]) => cs[0]!.stack === s).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`    subgraph ${id("g", g)}[${q(`${cs[0]!.component} × ${cs.length}`)}]`);
      for (const c of cs.sort(byName)) {
        lines.push(`      ${id("c", c.key)}[${q(containerLabel(c))}]`);
        inGroup.add(c.key);
      }
      lines.push("    end");
    }
    for (const c of members.filter((x) => !inGroup.has(x.key))) {
      lines.push(c.oneShot ? `    ${id("c", c.key)}[[${q(containerLabel(c))}]]` : `    ${id("c", c.key)}[${q(containerLabel(c))}]`);
    }
    lines.push("  end");
  }
  lines.push(`  subgraph nets[${q("Docker networks")}]`);
  for (const n of [...t.networks].sort(byName)) {
    const traits = [n.subnet ?? "", n.internal ? "internal, no egress" : "NOT internal", n.icc ? "" : "no inter-container traffic"].filter(Boolean);
    lines.push(`    ${id("n", n.key)}{{${q(`${n.role} · ${n.name}<br/>${traits.join(" · ")}`)}}}`);
  }
  lines.push("  end");
  // network membership (a group's shared networks once)
  const links: string[] = [];
  for (const [g, cs] of gs) {
    const shared = cs[0]!.networks.map((n) => n.network).filter((n) => cs.every((c) => c.networks.some((x) => x.network === n)));
    for (const n of shared.sort()) links.push(`  ${id("g", g)} -.- ${id("n", n)}`);
    for (const c of cs) for (const n of c.networks.filter((x) => !shared.includes(x.network))) links.push(`  ${id("c", c.key)} -.- ${id("n", n.network)}`);
  }
  const grouped = new Set([...gs.values()].flat().map((c) => c.key));
  for (const c of shown.filter((x) => !grouped.has(x.key))) for (const n of c.networks) links.push(`  ${id("c", c.key)} -.- ${id("n", n.network)}`);
  lines.push(...links.sort());
  for (const { c, p } of published) lines.push(`  ${id("p", `${p.ip}_${p.external}`)} -->|${q(`→ ${p.internal}/${p.protocol}`)}| ${id("c", c.key)}`);
  if (t.terraformTarget) {
    const target = t.containers.find((c) => c.key === t.terraformTarget!.container)!;
    const port = target.ports[0];
    lines.push(`  terraform ==>|${q(`vault provider${t.terraformTarget.mtls ? " · mTLS" : ""}`)}| ${port ? id("p", `${port.ip}_${port.external}`) : id("c", target.key)}`);
  }
  const edges = [...t.edges].map((e) => ({ from: endpoints(e.from, gs), to: endpoints(e.to, gs), label: e.label }));
  const edgeLines = new Set<string>();
  for (const e of edges) for (const f of e.from) for (const to of e.to) if (f !== to) edgeLines.add(`  ${f} ==>|${q(e.label)}| ${to}`);
  lines.push(...[...edgeLines].sort());
  return lines.join("\n");
}

export function storageDiagram(t: Topology): string {
  const lines = ["flowchart LR"];
  const usesVolume = t.containers.filter((c) => c.mounts.length > 0).sort(byName);
  const hostPaths = [...new Set(usesVolume.flatMap((c) => c.mounts.map((m) => m.hostPath).filter((h): h is string => h !== undefined)))].sort();
  if (hostPaths.length) {
    lines.push(`  subgraph hostfs[${q("Docker host paths")}]`);
    for (const h of hostPaths) lines.push(`    ${id("h", h)}[/${q(h)}/]`);
    lines.push("  end");
  }
  for (const s of t.stacks) {
    const cs = usesVolume.filter((c) => c.stack === s);
    const vs = t.volumes.filter((v) => v.stack === s).sort(byName);
    if (!cs.length && !vs.length) continue;
    lines.push(`  subgraph ${id("s", s)}[${q(`stack ${s}`)}]`);
    for (const v of vs) {
      const mark = v.stateful ? `<br/>stateful: ${v.stateful} · ${v.protected ? "prevent_destroy" : "UNPROTECTED"}` : "";
      lines.push(`    ${id("v", v.key)}[(${q(`${v.name}${mark}`)})]`);
    }
    for (const c of cs) {
      const label = `${c.name}${c.oneShot ? `<br/>${kind(c)}` : ""}`;
      lines.push(c.oneShot ? `    ${id("c", c.key)}[[${q(label)}]]` : `    ${id("c", c.key)}[${q(label)}]`);
    }
    lines.push("  end");
  }
  const edges: string[] = [];
  for (const c of usesVolume) {
    for (const m of c.mounts) {
      const node = m.volume ? id("v", m.volume) : id("h", m.hostPath!);
      if (c.seeder && m.volume) {
        const files = c.uploads.filter((u) => u.file.startsWith(`${m.target}/`)).map((u) => u.file.slice(m.target.length + 1)).sort();
        edges.push(`  ${id("c", c.key)} -->|${q(`seeds ${files.join(", ")}`)}| ${node}`);
      } else if (m.readOnly) edges.push(`  ${node} -->|${q(`ro ${m.target}`)}| ${id("c", c.key)}`);
      else edges.push(`  ${id("c", c.key)} <-->|${q(`rw ${m.target}`)}| ${node}`);
    }
  }
  lines.push(...edges.sort());
  return lines.join("\n");
}

function certLabel(c: Certificate): string {
  const uses = c.ca ? "CA" : [c.uses.includes("server_auth") && "server", c.uses.includes("client_auth") && "client"].filter(Boolean).join("+") || c.uses.join(",");
  return `${c.commonName}<br/>${uses} · ${c.keyAlgorithm} · ${hours(c.validityHours)}`;
}

export function trustDiagram(t: Topology): string {
  const lines = ["flowchart LR"];
  const cas = t.certificates.filter((c) => c.ca).sort((a, b) => a.key.localeCompare(b.key));
  const leaves = t.certificates.filter((c) => !c.ca).sort((a, b) => a.commonName.localeCompare(b.commonName));
  for (const ca of cas) lines.push(`  ${id("x", ca.key)}{{${q(certLabel(ca))}}}`);
  lines.push(`  subgraph leaves[${q("certificates signed by the CA")}]`);
  for (const c of leaves) lines.push(`    ${id("x", c.key)}[${q(certLabel(c))}]`);
  lines.push("  end");
  const holders = new Map<string, string>();
  for (const h of t.holdings) holders.set(h.holder, h.holderLabel);
  lines.push(`  subgraph holders[${q("holders")}]`);
  for (const [k, label] of [...holders].sort(([, a], [, b]) => a.localeCompare(b))) lines.push(`    ${id("o", k)}[${q(label)}]`);
  lines.push("  end");
  const edges = new Set<string>();
  if (cas.length === 1) for (const c of leaves) edges.add(`  ${id("x", cas[0]!.key)} --> ${id("x", c.key)}`);
  for (const [holder] of holders) {
    const hs = t.holdings.filter((h) => h.holder === holder);
    for (const ca of cas) if (hs.some((h) => h.certificate === ca.key && h.material === "ca")) edges.add(`  ${id("x", ca.key)} -.->|trusted by| ${id("o", holder)}`);
    for (const c of leaves) {
      const m = hs.filter((h) => h.certificate === c.key).map((h) => h.material);
      if (m.length) edges.add(`  ${id("x", c.key)} -->|${q([...new Set(m)].sort().join("+"))}| ${id("o", holder)}`);
    }
  }
  lines.push(...[...edges].sort());
  return lines.join("\n");
}

function tables(t: Topology): string[] {
  const out: string[] = [];
  const net = new Map(t.networks.map((n) => [n.key, n] as const));
  const cname = new Map(t.containers.map((c) => [c.key, c.name] as const));
  const cs = [...t.containers].sort((a, b) => a.stack.localeCompare(b.stack) || byName(a, b));
  out.push("### Containers", "", "| stack | container | kind | image | user | root filesystem | networks | published |", "|---|---|---|---|---|---|---|---|");
  for (const c of cs) {
    const nets = c.networks.map((n) => `${net.get(n.network)?.role ?? "?"}${n.aliases.length ? ` (${n.aliases.join(", ")})` : ""}`).join(", ") || (c.networkMode ? `none (network_mode ${c.networkMode})` : "—");
    const ports = c.ports.map((p) => `${p.ip}:${p.external}→${p.internal}`).join(", ") || "—";
    out.push(`| ${c.stack} | \`${c.name}\` | ${kind(c)} | \`${c.image}\` | \`${c.user || "(image default)"}\` | ${c.readOnly ? "read-only" : "writable"} | ${nets} | ${ports} |`);
  }
  out.push("", "### Networks", "", "| network | Docker name | subnet | internal | inter-container traffic | members |", "|---|---|---|---|---|---|");
  for (const n of [...t.networks].sort(byName)) {
    const members = t.containers.filter((c) => c.networks.some((x) => x.network === n.key)).map((c) => `\`${c.name}\``).sort();
    out.push(`| ${n.role} | \`${n.name}\` | ${n.subnet ?? "—"} | ${n.internal ? "yes" : "**no**"} | ${n.icc ? "yes" : "no"} | ${members.join(", ") || "—"} |`);
  }
  out.push("", "### Volumes", "", "| volume | stack | stateful | prevent_destroy | seeded by | mounted by |", "|---|---|---|---|---|---|");
  for (const v of [...t.volumes].sort((a, b) => a.stack.localeCompare(b.stack) || byName(a, b))) {
    const seeders = t.containers.filter((c) => c.seeder && c.mounts.some((m) => m.volume === v.key)).map((c) => `\`${c.name}\``);
    const users = t.containers.filter((c) => !c.seeder).flatMap((c) => c.mounts.filter((m) => m.volume === v.key).map((m) => `\`${c.name}\` ${m.readOnly ? "ro" : "rw"}`));
    out.push(`| \`${v.name}\` | ${v.stack} | ${v.stateful ?? "—"} | ${v.protected ? "yes" : v.stateful ? "**no**" : "no"} | ${seeders.join(", ") || "—"} | ${users.sort().join(", ") || "—"} |`);
  }
  out.push("", "### Trust", "", "| holder | trusts the CA at | holds certificate (and key) |", "|---|---|---|");
  const holders = [...new Set(t.holdings.map((h) => h.holder))].sort((a, b) => (cname.get(a) ?? a).localeCompare(cname.get(b) ?? b));
  const cert = new Map(t.certificates.map((c) => [c.key, c] as const));
  for (const h of holders) {
    const hs = t.holdings.filter((x) => x.holder === h);
    const ca = hs.filter((x) => x.material === "ca").map((x) => `\`${x.path}\``).join(", ") || "—";
    const held = [...new Set(hs.filter((x) => x.material !== "ca").map((x) => x.certificate))]
      .map((k) => {
        const c = cert.get(k);
        const parts = hs.filter((x) => x.certificate === k).map((x) => x.material);
        return `${c?.commonName ?? k} (${[...new Set(parts)].sort().join("+")}${c ? `; ${c.uses.filter((u) => u.endsWith("_auth")).join(", ")}` : ""})`;
      })
      .sort();
    out.push(`| ${hs[0]!.holderLabel} | ${ca} | ${held.join("<br/>") || "—"} |`);
  }
  out.push("", "### Connections", "", "| from | to | how |", "|---|---|---|");
  const nameOf = (k: string) => (k === "terraform" ? "Terraform" : `\`${cname.get(k) ?? k}\``);
  const rows: string[] = [];
  for (const e of t.edges) rows.push(`| ${e.from.map(nameOf).sort().join(", ")} | ${e.to.map(nameOf).sort().join(", ")} | ${e.label} |`);
  if (t.terraformTarget) rows.push(`| Terraform (vault provider) | ${nameOf(t.terraformTarget.container)} | ${t.terraformTarget.via}${t.terraformTarget.mtls ? " with a client certificate" : ""} |`);
  out.push(...rows.sort());
  return out;
}

/** docs/TOPOLOGY.md. */
export function renderTopologyMarkdown(stacks: StackSet, labels: TopologyLabels): string {
  const t = extractTopology(stacks);
  const out = [
    `# Topology of \`${labels.environment}\` (profile ${labels.profile})`,
    "",
    `Generated by \`npm run diagram\` from the synthesized stacks of \`${labels.source}\`: do not edit. \`__tests__/diagram.test.ts\` fails when this file is stale, so a change to the topology shows up here, in review.`,
    "",
    "## Services, networks and published ports",
    "",
    "Thick arrows: who connects to whom. Dotted lines: network membership. Host ports are the only way in.",
    "",
    "```mermaid",
    servicesDiagram(t),
    "```",
    "",
    "## Storage",
    "",
    "Seeder jobs write files into volumes that services mount read-only; stateful volumes carry `prevent_destroy`.",
    "",
    "```mermaid",
    storageDiagram(t),
    "```",
    "",
    "## Trust",
    "",
    "The CA signs every certificate; dotted arrows: who trusts the CA; solid arrows: who holds a certificate (and its key).",
    "",
    "```mermaid",
    trustDiagram(t),
    "```",
    "",
    "## Tables",
    "",
    ...tables(t),
    "",
  ];
  return out.join("\n");
}
