/**
 * Workloads stack (docker): the uyoop-cal app containers, which need what Vault issued (the
 * AppRole credentials). Applied last.
 */
import type { Construct } from "constructs";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Image } from "@cdktf/provider-docker/lib/image";
import { UyoopStack, type UyoopStackProps } from "./uyoop-stack";

export class WorkloadsStack extends UyoopStack {
  public readonly appImage: Image;

  constructor(scope: Construct, id: string, props: UyoopStackProps) {
    super(scope, id, props);
    new DockerProvider(this, "docker", {});
    // keep_locally: destroying the stack must not delete an image other environments may use.
    this.appImage = new Image(this, "app-image", { name: this.config.app.image, keepLocally: true });
  }
}
