/**
 * The extra variables ansible-playbook gets with `-e @file`: the workflow's extra-vars, the join
 * token and the kubeconfig path. One 0600 JSON file, so that no value is on a command line.
 */
export interface VarsFileInput {
  extraVars: Record<string, string>;
  k3sToken?: string;
  kubeconfigPath: string;
}

export function buildVars(input: VarsFileInput): Record<string, string> {
  const vars: Record<string, string> = { ...input.extraVars, k3s_kubeconfig_local_path: input.kubeconfigPath };
  if (input.k3sToken !== undefined) vars.k3s_token = input.k3sToken;
  return vars;
}
