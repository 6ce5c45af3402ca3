// Fault injection for crash-safety tests: when MAMORI_FAULT names this point, the process kills itself
// with SIGKILL right here, exactly like a power cut or `kill -9` would. A no-op otherwise.
export function faultPoint(name: string): void {
  const target = process.env.MAMORI_FAULT;
  if (target && target === name) process.kill(process.pid, 'SIGKILL');
}
