/**
 * Raft autopilot: dead servers are cleaned up after a day without contact, but never below a
 * quorum of the configured node count; new servers become voters after 10 s of stability.
 * A grouping construct: `vault_raft_autopilot.autopilot`.
 */
import { Construct } from "constructs";
import { RaftAutopilot } from "@cdktf/provider-vault/lib/raft-autopilot";
import { groupingOnly } from "../addressing";

export interface RaftAutopilotSettingsProps {
  /** The cluster's node count: autopilot never removes servers below it. */
  readonly nodeCount: number;
}

export class RaftAutopilotSettings extends Construct {
  public readonly autopilot: RaftAutopilot;

  constructor(scope: Construct, id: string, props: RaftAutopilotSettingsProps) {
    super(scope, id);
    groupingOnly(this);
    this.autopilot = new RaftAutopilot(this, "autopilot", {
      cleanupDeadServers: true,
      deadServerLastContactThreshold: "24h0m0s",
      lastContactThreshold: "10s",
      maxTrailingLogs: 1000,
      minQuorum: props.nodeCount,
      serverStabilizationTime: "10s",
    });
  }
}
