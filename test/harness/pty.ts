import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs argv on a terminal of its own (a pty made by Python's pty module, as
 * a user's terminal would be), of `size` rows and columns if given, types
 * `input` into it (after changing its size to `resizeTo`, if given, as a
 * user dragging the window would), and returns what the terminal showed and
 * the exit code, once the program has ended (20 s at most).
 */
export async function onPty(
  argv: string[],
  input: string,
  env: Record<string, string>,
  sizes: { size?: [number, number]; resizeTo?: [number, number] } = {},
): Promise<{ code: number; output: string }> {
  const driver = `
import fcntl, json, os, pty, select, struct, sys, termios, time
argv, data, sizes = json.loads(sys.argv[1]), sys.argv[2].encode(), json.loads(sys.argv[3])
winsize = lambda fd, rc: fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rc[0], rc[1], 0, 0))
pid, fd = pty.fork()
if pid == 0:
    if sizes.get("size"):
        winsize(0, sizes["size"])
    os.execv(argv[0], argv)
time.sleep(1.0)
if sizes.get("resizeTo"):
    winsize(fd, sizes["resizeTo"])
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
  return promisify(execFile)('/usr/bin/python3', ['-c', driver, JSON.stringify(argv), input, JSON.stringify(sizes)], { env: { ...process.env, ...env }, timeout: 30_000 }).then(
    (r) => ({ code: 0, output: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, output: e.stdout }),
  );
}
