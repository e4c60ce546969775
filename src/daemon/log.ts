/** One structured line per event, JSON on stderr: {"time", "level", "event", ...fields}. */
export type Logger = (event: string, fields?: Record<string, unknown>, level?: 'info' | 'warn' | 'error') => void;

export function jsonLogger(out: NodeJS.WritableStream = process.stderr): Logger {
  return (event, fields = {}, level = 'info') => {
    out.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
  };
}
