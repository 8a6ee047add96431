module uyoop.local/toolchain/provider-random

go 1.23.7

require github.com/terraform-providers/terraform-provider-random v0.0.0

replace github.com/terraform-providers/terraform-provider-random => github.com/hashicorp/terraform-provider-random v1.3.2-0.20250422105519-bc2ddb552b46

tool github.com/terraform-providers/terraform-provider-random
