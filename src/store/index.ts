export * from './file-store';
export * from './store';
