/** The cluster tests' underlay and etcd (shared with bench suite overlay-control). */
export { Underlay } from '../../src/demo/underlay';
