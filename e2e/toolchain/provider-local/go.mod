module uyoop.local/toolchain/provider-local

go 1.24.0

require github.com/terraform-providers/terraform-provider-local v0.0.0

replace github.com/terraform-providers/terraform-provider-local => github.com/hashicorp/terraform-provider-local v1.4.1-0.20251117194318-ba8eb9d12edf

tool github.com/terraform-providers/terraform-provider-local
