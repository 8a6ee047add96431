/**
 * The project's standing decisions: rules that cannot (or deliberately do not) hold for every
 * container, each an explicit suppression on the stack with its reason, and for provider gaps
 * the compensating controls that must hold on the same container for the suppression to apply.
 * They appear in every audit report. Add one only with a reason a reviewer can check.
 */
import type { IConstruct } from "constructs";
import { suppress } from "./suppressions";

export interface ProjectDecision {
  readonly ruleId: string;
  readonly reason: string;
  readonly compensatingControls?: readonly string[];
}

export const PROJECT_DECISIONS: readonly ProjectDecision[] = [
  {
    ruleId: "UY-C-5.29",
    reason:
      "Provider gap: kreuzwerker/docker 3.6.2 (and its HEAD) has no pids_limit attribute, so no container can get a PIDs cgroup limit from Terraform. " +
      "Compensating controls, verified on the same container: a memory limit with swap equal to it (every process charges kernel memory to the container's cgroup, so a fork bomb hits the memory limit, not the host's PID space) and an init process that reaps zombies. Revisit when the provider gains pids_limit.",
    compensatingControls: ["UY-C-5.11", "UY-C-SWAP-1", "UY-C-INIT-1"],
  },
  {
    ruleId: "UY-C-5.12",
    reason:
      "Equal CPU shares are the deliberate priority: Vault, PostgreSQL and the app share one Docker host and none may starve another; every container's memory is limited (UY-C-5.11), and `cpus`, the simple alternative, panics kreuzwerker/docker 3.6.2 (#759).",
  },
  {
    ruleId: "UY-C-5.15",
    reason:
      "Long-running services use restart \"unless-stopped\" so they come back after a Docker daemon or host restart, which \"on-failure\" does not do; Docker doubles the delay between restarts from 100 ms up to one minute (moby restartmanager), so a crash loop costs at most about one start a minute, and the health check marks the container unhealthy. One-shot jobs use \"no\".",
  },
];

/** Declares the project's decisions on a stack (inherited by everything in it). */
export function applyProjectDecisions(stack: IConstruct): void {
  for (const d of PROJECT_DECISIONS) {
    suppress(stack, d.ruleId, d.reason, d.compensatingControls ? { compensatingControls: d.compensatingControls } : {});
  }
}
