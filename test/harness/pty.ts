import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs argv on a terminal of its own (a pty made by Python's pty module, as
 * a user's terminal would be), types `input` into it, and returns what the
 * terminal showed and the exit code, once the program has ended (20 s at most).
 */
export async function onPty(argv: string[], input: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const driver = `
import json, os, pty, select, sys, time
argv, data = json.loads(sys.argv[1]), sys.argv[2].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
time.sleep(0.5)
os.write(fd, data)
out, deadline = b"", time.time() + 20
while time.time() < deadline:
    if select.select([fd], [], [], 0.5)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
status = os.waitpid(pid, 0)[1]
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;
  return promisify(execFile)('/usr/bin/python3', ['-c', driver, JSON.stringify(argv), input], { env: { ...process.env, ...env }, timeout: 30_000 }).then(
    (r) => ({ code: 0, output: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, output: e.stdout }),
  );
}
