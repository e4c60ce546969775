export * from './attach';
