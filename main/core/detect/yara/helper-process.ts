// One run of mamori-yara: starts it, reads the hello, the compile report and the ready line, then hands
// every later line to the owner. Knows nothing about requests; YaraScanner does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { YARA_PROTOCOL_VERSION, asNumber, asString, parseLine, toProblem, type HelperLine, type YaraCompileProblem } from './protocol.js';

export interface CompileReport {
  /** Rules in the compiled set. */
  rules: number;
  /** Rule files compiled into the set, and files (or folders) left out because of an error. */
  filesOk: number;
  filesFailed: number;
  compileMs: number;
  errors: YaraCompileProblem[];
  warnings: YaraCompileProblem[];
  libyara: string;
  threads: number;
  maxFileSize: number;
  maxDataSize: number;
  timeoutS: number;
}

export interface HelperProcessOptions {
  binary: string;
  args: string[];
  startTimeoutMs: number;
  onLine(line: HelperLine): void;
  /** The process is gone and its output is fully read (never called for a start that failed). */
  onClose(reason: string, expected: boolean): void;
  log(message: string): void;
}

export class YaraHelperProcess {
  private closing = false;
  private closed = false;
  private readonly closedPromise: Promise<void>;
  private markClosed!: () => void;

  private constructor(private readonly child: ChildProcess, private readonly o: HelperProcessOptions) {
    this.closedPromise = new Promise((r) => { this.markClosed = r; });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static start(o: HelperProcessOptions): Promise<{ helper: YaraHelperProcess; report: CompileReport }> {
    const child = spawn(o.binary, o.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const helper = new YaraHelperProcess(child, o);
    return new Promise((resolve, reject) => {
      let phase: 'hello' | 'compile' | 'running' | 'failed' = 'hello';
      const errors: YaraCompileProblem[] = [];
      const warnings: YaraCompileProblem[] = [];
      let libyara = '';
      const fail = (why: string) => {
        if (phase === 'running' || phase === 'failed') return;
        phase = 'failed';
        clearTimeout(timer);
        reject(new Error(why));
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => fail(`${o.binary} was not ready within ${o.startTimeoutMs} ms`), o.startTimeoutMs);
      const stderr: string[] = [];
      createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (l) => {
        if (stderr.length < 20) stderr.push(l);
        o.log(l.slice(0, 500));
      });
      // A helper that died leaves EPIPE on its stdin: that is reported through 'close', not as a throw.
      child.stdin!.on('error', () => undefined);
      createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (raw) => {
        const m = parseLine(raw);
        if (!m) {
          o.log(`mamori-yara wrote a line that is not a protocol message: ${raw.slice(0, 200)}`);
          return;
        }
        if (phase === 'running') {
          o.onLine(m);
        } else if (phase === 'hello') {
          if (m.type !== 'hello' || m.protocol !== YARA_PROTOCOL_VERSION) {
            fail(`mamori-yara speaks protocol ${String(m.protocol)} (first line "${m.type}"), Mamori needs ${YARA_PROTOCOL_VERSION}`);
            return;
          }
          libyara = asString(m.libyara);
          phase = 'compile';
        } else if (phase === 'compile') {
          if (m.type === 'compile_error') errors.push(toProblem(m));
          else if (m.type === 'compile_warning') warnings.push(toProblem(m));
          else if (m.type === 'ready') {
            phase = 'running';
            clearTimeout(timer);
            resolve({
              helper,
              report: {
                rules: asNumber(m.rules), filesOk: asNumber(m.files_ok), filesFailed: asNumber(m.files_failed),
                compileMs: asNumber(m.compile_ms), errors, warnings, libyara, threads: asNumber(m.threads, 1),
                maxFileSize: asNumber(m.max_file_size), maxDataSize: asNumber(m.max_data_size), timeoutS: asNumber(m.timeout_s),
              },
            });
          }
        }
      });
      child.once('error', (err) => fail(`cannot start ${o.binary}: ${err.message}`));
      // 'close' comes after stdout has been read to its end, so every answer written before death is seen first.
      child.once('close', (code, signal) => {
        helper.closed = true;
        helper.markClosed();
        const reason = signal ? `mamori-yara was killed by ${signal}` : `mamori-yara exited with code ${String(code)}`;
        if (phase === 'running') o.onClose(reason, helper.closing);
        else fail(`${reason} before it was ready${stderr.length ? `: ${stderr.join(' | ').slice(0, 300)}` : ''}`);
      });
    });
  }

  /** Writes one request line; false when the pipe is full (wait for onDrain before writing more). */
  send(line: string): boolean {
    if (this.closed || this.closing) return true;
    return this.child.stdin!.write(line + '\n');
  }

  onDrain(fn: () => void): void {
    this.child.stdin!.once('drain', fn);
  }

  /** Ends stdin: the helper answers what it has and exits. After deadlineMs it is stopped with SIGTERM, then SIGKILL. */
  async close(deadlineMs: number): Promise<void> {
    this.closing = true;
    if (this.closed) return;
    this.child.stdin!.end();
    const term = setTimeout(() => this.child.kill('SIGTERM'), deadlineMs);
    const kill = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs + 1000);
    await this.closedPromise;
    clearTimeout(term);
    clearTimeout(kill);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.closed) this.child.kill(signal);
  }
}
