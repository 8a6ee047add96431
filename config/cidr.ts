/** IPv4 addresses and CIDR blocks, parsed with ipaddr.js. */
import * as ipaddr from "ipaddr.js";

export interface Ipv4Block {
  readonly text: string;
  readonly network: ipaddr.IPv4;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; returns undefined for anything else (IPv6, a bare address, host bits set). */
export function parseIpv4Cidr(text: string): Ipv4Block | undefined {
  if (!ipaddr.IPv4.isValidCIDR(text)) return undefined;
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

/** Whether the text is a dotted-quad IPv4 address. */
export function isIpv4Address(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** The n-th host address of a block (n = 1 is the first usable address). */
export function hostAddress(block: Ipv4Block, n: number): string {
  const base = block.network.toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
  const value = base + n;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}
