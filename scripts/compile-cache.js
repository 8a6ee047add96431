/**
 * A V8 code cache for the CommonJS modules the app command loads (cdktf, the providers, zod and
 * dist/): compiled once, then read back instead of compiled at every synth. Node 22 has this
 * built in (module.enableCompileCache); Node 20, the project's floor, does not.
 *
 * Entries are keyed by the SHA-1 of the module's source, never by its path or size alone (V8's
 * own check is the source length: a same-length edit must not run stale code). V8 still checks
 * its version and flags and rejects data that does not fit; a rejected or missing entry is
 * compiled normally and written back when the process exits. Modules that use import() are left
 * to Node (vm.Script would need a dynamic-import callback). Everything is best effort: a cache
 * that cannot be read or written is ignored.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");
const vm = require("vm");

const stats = { hits: 0, compiled: 0 };
/** What a cache may hold: this run's modules plus, up to here, other runs' (about 6 MB a run). */
const MAX_BYTES = 16 * 1024 * 1024;

function read(file) {
  const entries = new Map();
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return entries;
  }
  try {
    let at = 0;
    const count = buf.readUInt32LE(at);
    at += 4;
    for (let i = 0; i < count; i++) {
      const key = buf.toString("hex", at, at + 20);
      const length = buf.readUInt32LE(at + 20);
      entries.set(key, buf.subarray(at + 24, at + 24 + length));
      at += 24 + length;
    }
  } catch {
    return new Map(); // truncated or foreign: start over
  }
  return entries;
}

function write(file, entries) {
  const parts = [Buffer.alloc(4)];
  parts[0].writeUInt32LE(entries.size);
  for (const [key, data] of entries) {
    const head = Buffer.alloc(24);
    head.write(key, 0, "hex");
    head.writeUInt32LE(data.length, 20);
    parts.push(head, data);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat(parts));
  fs.renameSync(tmp, file);
}

/** The `require` Node gives a module (lib/internal/modules/helpers makeRequireFunction). */
function requireFor(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Installs the cache for this process; `file` holds it. */
function install(file) {
  const stored = read(file);
  const used = new Map();
  const fresh = [];
  const original = Module.prototype._compile;
  Module.prototype._compile = function compile(content, filename) {
    if (content.includes("import(")) return original.call(this, content, filename);
    const key = crypto.createHash("sha1").update(content).digest("hex");
    const cachedData = stored.get(key);
    const source = Module.wrap(content.startsWith("#!") ? `//${content}` : content);
    const script = new vm.Script(source, { filename, cachedData });
    if (cachedData && !script.cachedDataRejected) {
      stats.hits++;
      used.set(key, cachedData);
    } else {
      stats.compiled++;
      fresh.push([key, script]);
    }
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };
  process.once("exit", () => {
    if (fresh.length === 0) return;
    try {
      // After the run, so that the functions compiled lazily while it ran are in the cache too.
      for (const [key, script] of fresh) used.set(key, script.createCachedData());
      // Entries another run used (another environment, another checkout) stay, within reason.
      let size = 0;
      for (const data of used.values()) size += data.length;
      for (const [key, data] of stored) {
        if (used.has(key) || size + data.length > MAX_BYTES) continue;
        used.set(key, data);
        size += data.length;
      }
      write(file, used);
    } catch {
      // a cache that cannot be written is no cache
    }
  });
}

module.exports = { install, stats };
