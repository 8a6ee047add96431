/**
 * The AppRole auth method and the app's role. The app logs in with a RoleID (delivered by
 * Terraform: an identifier) and a SecretID (issued at run time by a job, never through Terraform
 * state or env: docs/APP-CONTRACT.md). Tokens and SecretIDs are bound to the clients network,
 * SecretIDs are single-purpose and short-lived. A grouping construct: `vault_auth_backend.approle`,
 * `vault_approle_auth_backend_role.app-role`.
 */
import { Construct } from "constructs";
import { AuthBackend } from "@cdktf/provider-vault/lib/auth-backend";
import { ApproleAuthBackendRole } from "@cdktf/provider-vault/lib/approle-auth-backend-role";
import { groupingOnly } from "../addressing";
import type { PolicyName } from "../../policies/catalog";
import type { VaultPolicies } from "./vault-policies";

/** An AppRole role as its users receive it. */
export interface AppRoleHandle {
  readonly name: string;
  /** The RoleID (an identifier; the SecretID is the secret). */
  readonly roleId: string;
}

export interface AppRoleAuthProps {
  /** The role's name and the one policy it holds. */
  readonly roleName: string;
  readonly policy: PolicyName;
  readonly policies: VaultPolicies;
  /** Where logins and tokens may come from (the clients network). */
  readonly boundCidrs: readonly string[];
  /** Token TTL and max TTL, SecretID TTL and uses (seconds, count). */
  readonly tokenTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
  readonly secretIdTtlSeconds: number;
  readonly secretIdNumUses: number;
}

export class AppRoleAuth extends Construct {
  public readonly backend: AuthBackend;
  public readonly role: ApproleAuthBackendRole;
  /** What the app receives. */
  public readonly handle: AppRoleHandle;

  constructor(scope: Construct, id: string, props: AppRoleAuthProps) {
    super(scope, id);
    groupingOnly(this);
    this.backend = new AuthBackend(this, "approle", { type: "approle", path: "approle", description: "application logins" });
    this.role = new ApproleAuthBackendRole(this, "app-role", {
      backend: this.backend.path,
      roleName: props.roleName,
      tokenPolicies: [props.policies.policy(props.policy).name],
      tokenTtl: props.tokenTtlSeconds,
      tokenMaxTtl: props.tokenMaxTtlSeconds,
      tokenType: "service",
      tokenBoundCidrs: [...props.boundCidrs],
      bindSecretId: true,
      secretIdBoundCidrs: [...props.boundCidrs],
      secretIdTtl: props.secretIdTtlSeconds,
      secretIdNumUses: props.secretIdNumUses,
    });
    this.handle = { name: props.roleName, roleId: this.role.roleId };
  }
}
