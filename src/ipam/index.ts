export * from './cidr';
export * from './pools';
export * from './subnet';
export * from './ula';
export * from './errors';
