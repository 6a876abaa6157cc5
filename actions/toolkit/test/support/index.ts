export * from './run-action';
export * from './bitwarden-server';
