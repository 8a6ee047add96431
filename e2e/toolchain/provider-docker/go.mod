module uyoop.local/toolchain/provider-docker

go 1.23.0

require github.com/terraform-providers/terraform-provider-docker v0.0.0

replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker v0.0.0-20250613214648-2f20f8c3ce82

tool github.com/terraform-providers/terraform-provider-docker
