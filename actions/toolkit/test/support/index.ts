export * from './run-action';
