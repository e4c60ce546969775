export * from './host-addresses';
export * from './publisher';
export * from './relay';
export * from './uplink';
export * from './errors';
