export * from './errors';
export * from './links';
export * from './namespaces';
export * from './run';
export * from './sysctl';
