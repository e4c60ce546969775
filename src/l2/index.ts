export * from './bridge-domain';
