/**
 * IPv4 addresses and CIDR blocks, parsed with ipaddr.js after a strict syntax check.
 *
 * ipaddr.js (like inet_aton) also reads hexadecimal, octal and short forms: "0xac1e0000/24",
 * "172.030.0.0/24" (octal 030 = 24) or "10.1/16". Go's net.ParseCIDR, which Docker uses, refuses
 * those, and a reader would take "030" for 30. Only the canonical dotted-decimal form is read:
 * four decimal numbers 0-255 without leading zeros, and a decimal prefix length.
 */
import * as ipaddr from "ipaddr.js";

export interface Ipv4Block {
  readonly text: string;
  readonly network: ipaddr.IPv4;
  readonly prefix: number;
}

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const PREFIX = /^(?:3[0-2]|[12]?[0-9])$/;

/** Whether the text is a canonical dotted-decimal IPv4 address ("172.30.0.1"; not "0xac1e0001" or "172.030.0.1"). */
export function isIpv4Address(text: string): boolean {
  return DOTTED_QUAD.test(text);
}

/** Parses canonical `a.b.c.d/n`; returns undefined for anything else (IPv6, a bare address, other spellings, host bits set). */
export function parseIpv4Cidr(text: string): Ipv4Block | undefined {
  const slash = text.indexOf("/");
  if (slash < 0 || !isIpv4Address(text.slice(0, slash)) || !PREFIX.test(text.slice(slash + 1))) return undefined;
  const [network, prefix] = ipaddr.IPv4.parseCIDR(text);
  // Docker rejects a subnet whose host bits are set ("invalid subnet"): say so early.
  const base = ipaddr.IPv4.networkAddressFromCIDR(text);
  if (base.toString() !== network.toString()) return undefined;
  return { text, network, prefix };
}

/** Whether two blocks share at least one address. */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.network.match(b.network, b.prefix) || b.network.match(a.network, a.prefix);
}

/** The private ranges of RFC 1918, where a Docker network belongs. */
const PRIVATE_RANGES: readonly [ipaddr.IPv4, number][] = [
  ipaddr.IPv4.parseCIDR("10.0.0.0/8"),
  ipaddr.IPv4.parseCIDR("172.16.0.0/12"),
  ipaddr.IPv4.parseCIDR("192.168.0.0/16"),
];

/** Whether a block lies entirely inside one RFC 1918 private range. */
export function isPrivateBlock(block: Ipv4Block): boolean {
  return PRIVATE_RANGES.some(([net, len]) => block.prefix >= len && block.network.match(net, len));
}

/**
 * The ipaddr.js range of an address ("loopback", "private", "unicast", "multicast", "broadcast",
 * "unspecified", "linkLocal", "reserved", "carrierGradeNat", ...); undefined when it is not a
 * canonical address.
 */
export function ipv4Range(text: string): string | undefined {
  return isIpv4Address(text) ? ipaddr.IPv4.parse(text).range() : undefined;
}
