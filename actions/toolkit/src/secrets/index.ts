// Bitwarden Secrets Manager for the actions. The public surface is fixed (other actions build on
// it); the implementation lives in the files beside this one.
export * from './mapping';
export * from './settings';
export * from './secret-set';
export * from './bitwarden';
