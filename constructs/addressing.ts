/**
 * Terraform addresses are part of state: a resource's address is its construct path below the
 * stack (stacks/uyoop-stack.ts), so moving resources into a new grouping construct would rename
 * them, and Terraform would destroy and re-create them (a KV mount with its data). A grouping
 * construct marked here is left out of its resources' addresses: code can be structured into
 * constructs without moving anything in state. The stack still refuses two resources claiming
 * one address.
 */
import type { IConstruct } from "constructs";

const GROUPING = new WeakSet<IConstruct>();

/** Leaves `scope`'s id out of the addresses of the resources below it. */
export function groupingOnly(scope: IConstruct): void {
  GROUPING.add(scope);
}

/** Whether `scope` is a grouping construct, left out of addresses. */
export function isGroupingOnly(scope: IConstruct): boolean {
  return GROUPING.has(scope);
}
