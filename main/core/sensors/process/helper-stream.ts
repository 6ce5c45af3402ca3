// Runs one native helper and turns its NDJSON stdout into messages (native-helpers/PROTOCOL.md).
// Owns the child process: start, stop (SIGTERM, then SIGKILL after a deadline), and its stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';

export const PROTOCOL_VERSION = 1;
/** No protocol line comes near this; a helper that never ends its line must not grow our memory. */
const MAX_LINE = 1 << 20;

export interface HelperMessage {
  type: string;
  seq?: number;
  ts_ns?: number;
  [field: string]: unknown;
}

export interface Hello extends HelperMessage {
  type: 'hello';
  protocol: number;
  helper: string;
  tier: string;
  capabilities: string[];
}

export interface HelperStreamOptions {
  binary: string;
  args?: string[];
  /** The messages of one read from the helper, in order: a batch lets the caller look ahead (an exit already
   *  waiting behind an exec means its /proc entry is gone). */
  onMessages(messages: HelperMessage[]): void;
  /** Open the helper's stdin for commands (the file helper's verdicts); default: closed. */
  commands?: boolean;
  onExit(reason: string): void;
  log(message: string): void;
}

export class HelperStream {
  private child: ChildProcess | null = null;
  private stopping = false;
  private lastSeq = 0;
  /** Events the helper numbered but we never got (a gap in seq): counted, never hidden. */
  gaps = 0;

  constructor(private readonly o: HelperStreamOptions) {}

  /** Starts the helper and resolves with its hello, or rejects with why it could not start. */
  start(timeoutMs = 15_000): Promise<Hello> {
    const child = spawn(this.o.binary, this.o.args ?? [], { stdio: [this.o.commands ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    child.stdin?.on('error', (err) => this.o.log(`helper stdin: ${err.message}`)); // EPIPE after it exits
    this.child = child;
    return new Promise<Hello>((resolve, reject) => {
      let hello: Hello | null = null;
      const timer = setTimeout(() => { reject(new Error(`${this.o.binary} sent no hello within ${timeoutMs} ms`)); child.kill('SIGKILL'); }, timeoutMs);
      createInterface({ input: child.stderr! }).on('line', (line) => this.o.log(line.slice(0, 500)));
      // Lines are split by hand rather than with readline: one pass over each chunk, no event per line.
      const decoder = new StringDecoder('utf8');
      let partial = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        const text = partial + decoder.write(chunk);
        const lastNl = text.lastIndexOf('\n');
        if (lastNl < 0) {
          partial = text;
          if (partial.length > MAX_LINE) { this.o.log(`helper sent a line longer than ${MAX_LINE} characters: dropped`); partial = ''; }
          return;
        }
        partial = text.slice(lastNl + 1);
        const batch: HelperMessage[] = [];
        let start = 0;
        while (start <= lastNl) {
          const nl = text.indexOf('\n', start);
          const line = text.slice(start, text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
          start = nl + 1;
          if (!line) continue;
          const msg = this.parse(line);
          if (!msg) continue;
          if (!hello) {
            clearTimeout(timer);
            if (msg.type !== 'hello' || msg.protocol !== PROTOCOL_VERSION) {
              reject(new Error(`helper speaks protocol ${String(msg.protocol)} (first line "${msg.type}"), Mamori needs ${PROTOCOL_VERSION}`));
              child.kill('SIGTERM');
              return;
            }
            hello = msg as Hello;
            resolve(hello);
            continue;
          }
          if (typeof msg.seq === 'number') {
            if (this.lastSeq && msg.seq > this.lastSeq + 1) this.gaps += msg.seq - this.lastSeq - 1;
            this.lastSeq = msg.seq;
          }
          batch.push(msg);
        }
        if (batch.length) this.o.onMessages(batch);
      });
      child.once('error', (err) => { clearTimeout(timer); reject(err); });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const reason = `helper exited (${signal ?? `code ${code}`})`;
        if (!hello) reject(new Error(reason));
        else if (!this.stopping) this.o.onExit(reason);
      });
    });
  }

  /** One command line to the helper (flat JSON object). False when it is not running. */
  send(command: Record<string, string | number | boolean>): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return false;
    stdin.write(`${JSON.stringify(command)}\n`);
    return true;
  }

  private parse(line: string): HelperMessage | null {
    try {
      const msg = JSON.parse(line) as HelperMessage;
      if (typeof msg === 'object' && msg !== null && typeof msg.type === 'string') return msg;
    } catch { /* reported below */ }
    this.o.log(`helper sent a line that is not a protocol message: ${line.slice(0, 200)}`);
    return null;
  }

  async stop(deadlineMs = 2000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping = true;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    await exited;
    clearTimeout(timer);
  }
}
