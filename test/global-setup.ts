import { leftoverLinks, leftoverNamespaces, sweep } from '../src/demo/sweep';

/**
 * Before the run: remove what an interrupted earlier run left. After it: every
 * test file must have cleaned up after itself, so anything still there fails
 * the run (after being removed, so the machine is clean either way).
 */
export function setup(): void {
  sweep();
}

export function teardown(): void {
  const ns = leftoverNamespaces();
  const links = leftoverLinks();
  sweep();
  if (ns.length || links.length) {
    throw new Error(`tests left kernel objects behind: namespaces [${ns.join(', ')}], links [${links.join(', ')}]`);
  }
}
