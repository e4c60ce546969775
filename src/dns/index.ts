export * from './names';
export * from './server';
export * from './upstream';
export * from './resolv-conf';
