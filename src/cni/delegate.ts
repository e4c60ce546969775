import { existsSync } from 'node:fs';
import path from 'node:path';
import { run } from '../netns/run';
import { CNI_ERRORS, CniError } from './spec';

/**
 * A delegated IPAM plugin (host-local, static, dhcp...): found on CNI_PATH,
 * run with the same environment and configuration, as the spec says a
 * plugin runs another. Its result's addresses are the ones Ferry gives the
 * interface; its error is passed on as it came.
 */
export async function runIpam(type: string, command: 'ADD' | 'DEL' | 'CHECK', config: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) throw new CniError(CNI_ERRORS.invalidConfig, `ipam type "${type}" is not a plugin name`);
  const dirs = (env.CNI_PATH ?? '').split(':').filter(Boolean);
  const exe = dirs.map((d) => path.join(d, type)).find((p) => existsSync(p));
  if (!exe) throw new CniError(CNI_ERRORS.invalidConfig, `ipam plugin "${type}" is not on CNI_PATH (${dirs.join(':') || 'unset'})`);
  const { code, stdout, stderr } = await run(exe, [], { input: config, env: { ...env, CNI_COMMAND: command } });
  let result: { code?: number; msg?: string; details?: string; ips?: { address: string }[] } = {};
  try {
    result = stdout.trim() ? (JSON.parse(stdout) as typeof result) : {};
  } catch {
    if (code === 0) throw new CniError(CNI_ERRORS.decodingFailure, `ipam plugin "${type}" answered something that is not JSON`, stdout.slice(0, 200));
  }
  if (code !== 0) throw new CniError(result.code ?? CNI_ERRORS.ioFailure, `ipam plugin "${type}": ${result.msg ?? (stderr.trim() || `exit ${code}`)}`, result.details ?? '');
  return (result.ips ?? []).map((ip) => ip.address);
}
