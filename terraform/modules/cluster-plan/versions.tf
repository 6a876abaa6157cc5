# Provider-free on purpose: the cluster's planning logic (addresses, sizes, labels, inventory) and
# every check that protects it run with `terraform test` on a machine with no registry access.
terraform {
  required_version = ">= 1.10"
}
