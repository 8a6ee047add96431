module uyoop.local/toolchain/provider-vault

go 1.25.3

require github.com/hashicorp/terraform-provider-vault v1.9.1-0.20251204223152-bcb1be4983c8

tool github.com/hashicorp/terraform-provider-vault
