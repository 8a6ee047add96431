/**
 * X.509 test certificates made with node:crypto alone (no openssl binary): a CA and a server
 * certificate to the project PKI's parameters (P-256 keys, ECDSA with SHA-256, the same
 * extensions as constructs/pki). Node has no certificate builder, so the DER is written here;
 * every certificate is parsed back and verified against its issuer before it is returned.
 */
import * as crypto from "node:crypto";
import * as net from "node:net";

// ---- DER -------------------------------------------------------------------------------------

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) {
    length = Buffer.from([n]);
  } else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const bool = (v: boolean) => der(0x01, Buffer.from([v ? 0xff : 0x00]));
const octets = (b: Buffer) => der(0x04, b);
const utf8 = (s: string) => der(0x0c, Buffer.from(s, "utf8"));
/** A BIT STRING of whole bytes. */
const bits = (b: Buffer, unusedBits = 0) => der(0x03, Buffer.concat([Buffer.from([unusedBits]), b]));
const explicit = (n: number, inner: Buffer) => der(0xa0 + n, inner);

/** A non-negative INTEGER from big-endian bytes. */
function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
  return der(0x02, b[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime, YYMMDDHHMMSSZ (valid to 2049, which test certificates never reach). */
function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, "0");
  const text = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return der(0x17, Buffer.from(text, "ascii"));
}

// ---- X.509 -----------------------------------------------------------------------------------

const ECDSA_WITH_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

function name(organization: string, commonName: string): Buffer {
  return seq(set(seq(oid("2.5.4.10"), utf8(organization))), set(seq(oid("2.5.4.3"), utf8(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** keyUsage bits (RFC 5280 numbering: 0 = digitalSignature ... 6 = cRLSign), DER-minimal. */
function keyUsage(bitNumbers: number[]): Buffer {
  const byte = bitNumbers.reduce((b, n) => b | (0x80 >> n), 0);
  const last = Math.max(...bitNumbers);
  return bits(Buffer.from([byte]), 7 - last);
}

/** SHA-1 of the subjectPublicKey BIT STRING content, as RFC 5280's method 1 (openssl's "hash"). */
function keyIdentifier(spki: Buffer): Buffer {
  const key = crypto.createPublicKey({ key: spki, format: "der", type: "spki" }).export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(key.x!, "base64url"), Buffer.from(key.y!, "base64url")]);
  return crypto.createHash("sha1").update(point).digest();
}

function subjectAltNames(names: readonly string[]): Buffer {
  return seq(
    ...names.map((n) => {
      if (net.isIPv4(n)) return der(0x87, Buffer.from(n.split(".").map(Number)));
      return der(0x82, Buffer.from(n, "ascii"));
    }),
  );
}

interface Issued {
  readonly certPem: string;
  readonly keyPem: string;
  readonly key: crypto.KeyObject;
  readonly spki: Buffer;
  readonly subject: Buffer;
}

function issue(opts: {
  subject: Buffer;
  serial: number;
  /** The extensions, given the subject's and the issuer's public keys (SubjectPublicKeyInfo DER). */
  extensions: (own: Buffer, issuer: Buffer) => Buffer[];
  issuer?: Issued;
  days: number;
}): Issued {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ format: "der", type: "spki" });
  const signer = opts.issuer ?? { key: privateKey, subject: opts.subject, spki };
  const now = Date.now();
  const serial = Buffer.alloc(4);
  serial.writeUInt32BE(opts.serial);
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_WITH_SHA256,
    signer.subject,
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + opts.days * 86_400_000))),
    opts.subject,
    spki,
    explicit(3, seq(...opts.extensions(spki, signer.spki))),
  );
  const signature = crypto.sign("sha256", tbs, signer.key); // DER-encoded ECDSA signature
  const cert = seq(tbs, ECDSA_WITH_SHA256, bits(signature));
  const certPem = `-----BEGIN CERTIFICATE-----\n${cert.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
  // Self-check: Node's X.509 parser reads it and the issuer's key verifies it.
  const parsed = new crypto.X509Certificate(certPem);
  if (!parsed.verify(crypto.createPublicKey({ key: signer.spki, format: "der", type: "spki" }))) {
    throw new Error("test certificate does not verify against its issuer's key");
  }
  return { certPem, keyPem: privateKey.export({ format: "pem", type: "pkcs8" }) as string, key: privateKey, spki, subject: opts.subject };
}

export interface TestPki {
  readonly caPem: string;
  readonly serverCertPem: string;
  /** PKCS#8, as LeafCertificate.keyPem is. */
  readonly serverKeyPem: string;
}

/** A CA and a server certificate for `names` (DNS names and IPv4 addresses), valid one day. */
export function makeTestPki(names: readonly string[]): TestPki {
  const ca = issue({
    subject: name("uyoop test", "uyoop test CA"),
    serial: 1,
    days: 1,
    extensions: (spki) => [
      extension("2.5.29.19", true, seq(bool(true))), // basicConstraints CA:TRUE
      extension("2.5.29.15", true, keyUsage([5, 6])), // keyCertSign, cRLSign
      extension("2.5.29.14", false, octets(keyIdentifier(spki))),
    ],
  });
  const server = issue({
    subject: name("uyoop test", names[0]!),
    serial: 0x1001,
    days: 1,
    issuer: ca,
    extensions: (own, issuerSpki) => [
      extension("2.5.29.19", true, seq()), // basicConstraints CA:FALSE
      extension("2.5.29.15", true, keyUsage([0, 2])), // digitalSignature, keyEncipherment
      extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))), // serverAuth
      extension("2.5.29.17", false, subjectAltNames(names)),
      extension("2.5.29.14", false, octets(keyIdentifier(own))),
      extension("2.5.29.35", false, seq(der(0x80, keyIdentifier(issuerSpki)))),
    ],
  });
  return { caPem: ca.certPem, serverCertPem: server.certPem, serverKeyPem: server.keyPem };
}
