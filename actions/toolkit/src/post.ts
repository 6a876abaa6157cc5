// The post step's whole dependency: cleanup only, so that post bundles stay small and never load
// the Bitwarden SDK.
export { runPost } from './cleanup';
