import { Testing } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { HardenedContainer, goDuration, tmpfsOptions, type HardenedContainerProps } from "../constructs/docker/hardened-container";
import { UserInputError } from "../kernel/errors";

// cdktf's jest matchers (toHaveResourceWithProperties, ...), for this file's assertions.
Testing.setupJest();

const base: HardenedContainerProps = {
  name: "svc",
  image: "example:1.0",
  user: "1000:1000",
  networks: [{ name: "net", aliases: ["svc"] }],
  memoryMb: 128,
  healthCheck: { test: ["CMD", "true"] },
};

function synth(props: Partial<HardenedContainerProps> = {}) {
  let construct: HardenedContainer | undefined;
  const json = Testing.synthScope((scope) => {
    construct = new HardenedContainer(scope, "c", { ...base, ...props });
  });
  const container = Object.values(JSON.parse(json).resource.docker_container as Record<string, Record<string, unknown>>)[0]!;
  return { json, container, construct: construct! };
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserInputError) return e.problems.map((p) => `${p.field}: ${p.message}`).join("\n");
    throw e;
  }
  throw new Error("expected a UserInputError");
}

describe("HardenedContainer defaults", () => {
  const { json, container, construct } = synth({
    ports: [{ internal: 8000, external: 18000, ip: "127.0.0.1" }],
    tmpfs: { "/tmp": { sizeMb: 64, uid: 1000, gid: 1000, mode: "0700" } },
  });

  test("every hardening property is on without asking", () => {
    expect(json).toHaveResourceWithProperties(Container, {
      user: "1000:1000",
      read_only: true,
      capabilities: { drop: ["ALL"] },
      security_opts: ["no-new-privileges:true"],
      privileged: false,
      publish_all_ports: false,
      ipc_mode: "private",
      init: true,
      memory: 128,
      memory_swap: 128,
      ulimit: [{ name: "core", soft: 0, hard: 0 }],
      log_driver: "json-file",
      log_opts: { "max-size": "10m", "max-file": "5" },
      restart: "unless-stopped",
      must_run: true,
      stop_timeout: 30,
      destroy_grace_seconds: 30,
    });
    expect(construct.weakenings).toEqual([]);
  });

  test("no capability is added back, nothing is uploaded, no start_interval", () => {
    expect(container["capabilities"]).toEqual({ drop: ["ALL"] });
    expect(container).not.toHaveProperty("upload");
    expect(JSON.stringify(container["healthcheck"])).not.toContain("start_interval");
  });

  test("ports bind the given interface only", () => {
    expect(container["ports"]).toEqual([{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }]);
  });

  test("tmpfs is noexec, nosuid, nodev and bounded", () => {
    expect(container["tmpfs"]).toEqual({ "/tmp": "rw,noexec,nosuid,nodev,size=64m,uid=1000,gid=1000,mode=0700" });
  });

  test("health check durations are Go-canonical so they read back unchanged", () => {
    expect(container["healthcheck"]).toEqual({ test: ["CMD", "true"], interval: "10s", timeout: "5s", start_period: "30s", retries: 3 });
  });

  test("health check and tmpfs (ignored by the provider on update) replace the container through a hash label", () => {
    const hash = (c: Record<string, unknown>) => (c["labels"] as { label: string; value: string }[]).find((l) => l.label === "uyoop.settings-hash")!.value;
    const before = hash(container);
    expect(before).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(synth({ ports: [{ internal: 8000, external: 18000, ip: "127.0.0.1" }], tmpfs: { "/tmp": { sizeMb: 64, uid: 1000, gid: 1000, mode: "0700" } } }).container)).toBe(before);
    expect(hash(synth({ tmpfs: { "/tmp": { sizeMb: 32 } } }).container)).not.toBe(before);
    expect(hash(synth({ healthCheck: { test: ["CMD", "true"], retries: 5 } }).container)).not.toBe(hash(synth({}).container));
    expect(JSON.parse(json).resource).not.toHaveProperty("terraform_data");
    expect(container).not.toHaveProperty("lifecycle.replace_triggered_by");
  });
});

describe("HardenedContainer opt-outs need a reason and are recorded", () => {
  test("a writable rootfs", () => {
    const { container, construct } = synth({ writableRootfs: { reason: "legacy image writes to /var/cache" } });
    expect(container["read_only"]).toBe(false);
    expect(construct.weakenings).toEqual([{ property: "writableRootfs", reason: "legacy image writes to /var/cache" }]);
  });

  test("added capabilities, from a short allow-list only", () => {
    const { container, construct } = synth({ addCapabilities: { capabilities: ["CHOWN"], reason: "fixes volume ownership" } });
    expect(container["capabilities"]).toEqual({ drop: ["ALL"], add: ["CAP_CHOWN"] });
    expect(construct.weakenings.map((w) => w.property)).toEqual(["addCapabilities"]);
    expect(messageOf(() => synth({ addCapabilities: { capabilities: ["SYS_ADMIN"], reason: "needs mounts inside" } }))).toMatch(
      /^addCapabilities: \["SYS_ADMIN"\] may only add CHOWN/,
    );
  });

  test("root needs runAsRoot", () => {
    expect(messageOf(() => synth({ user: "0:0" }))).toMatch(/^user: runs as root; .*runAsRoot with a reason/);
    expect(synth({ user: "0:0", runAsRoot: { reason: "writes into root-owned host dir" } }).construct.weakenings).toHaveLength(1);
  });

  test("a reason shorter than 10 characters is refused", () => {
    expect(messageOf(() => synth({ writableRootfs: { reason: "because" } }))).toMatch(/^writableRootfs: weakening writableRootfs needs a reason of at least 10 characters/);
  });

  test("a long-running container without a health check", () => {
    const { healthCheck: _, ...noCheck } = base;
    expect(messageOf(() => new HardenedContainerTestHarness(noCheck))).toMatch(/^healthCheck: a long-running container needs a health check/);
  });
});

class HardenedContainerTestHarness {
  constructor(props: HardenedContainerProps) {
    Testing.synthScope((scope) => new HardenedContainer(scope, "c", props));
  }
}

describe("HardenedContainer refuses unsafe input", () => {
  test.each<[string, Partial<HardenedContainerProps>, RegExp]>([
    ["a named user", { user: "vault" }, /^user: "vault" must be numeric "uid:gid"/],
    ["a port on every interface", { ports: [{ internal: 1, external: 8000, ip: "0.0.0.0" }] }, /^ports: "0.0.0.0" for port 8000 must be one host interface address/],
    ["a secret in env", { env: { DB_PASSWORD: "hunter2" } }, /^env: "DB_PASSWORD" looks like a secret; .*DB_PASSWORD_FILE/],
    ["an unbounded tmpfs", { tmpfs: { "/tmp": { sizeMb: 0 } } }, /^tmpfs: \/tmp needs a size/],
    ["an upload into a read-only container", { uploads: [{ file: "/x", content: "y", permissions: "0644" }] }, /^uploads: Docker refuses uploads into a read-only container/],
    ["no network", { networks: [] }, /^networks: a container must join at least one network/],
  ])("%s", (_t, props, expected) => {
    expect(messageOf(() => synth(props))).toMatch(expected);
  });

  test("a _FILE variable pointing at a secret file is fine", () => {
    expect(synth({ env: { DB_PASSWORD_FILE: "/run/secrets/db" } }).container["env"]).toEqual(["DB_PASSWORD_FILE=/run/secrets/db"]);
  });
});

describe("one-shot jobs", () => {
  const { container } = synth({ oneShot: true, healthCheck: undefined });
  test("run to completion during apply, are kept, and fail the apply unless they exit 0", () => {
    expect(container).toMatchObject({ attach: true, must_run: false, rm: false, logs: false, restart: "no" });
    expect((container["lifecycle"] as { postcondition: unknown[] }).postcondition).toEqual([
      { condition: "${self.exit_code == 0}", error_message: "job svc failed: read its output with `docker logs svc`" },
    ]);
  });
});

describe("helpers", () => {
  test.each([
    [0, "0s"],
    [5, "5s"],
    [60, "1m0s"],
    [90, "1m30s"],
    [3600, "1h0m0s"],
    [3725, "1h2m5s"],
  ])("goDuration(%d) = %s", (s, d) => expect(goDuration(s)).toBe(d));

  test("tmpfs options without owner", () => {
    expect(tmpfsOptions({ sizeMb: 8 })).toBe("rw,noexec,nosuid,nodev,size=8m");
  });
});
