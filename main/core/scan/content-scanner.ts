// Content scanning (YARA) for scans and real-time protection: Mamori's own pack (rules/yara) plus the user's
// rule folders, compiled once by the mamori-yara helper. Owns the helper's lifecycle: a change of folders
// recompiles in the background and swaps the scanner when the new one is ready, so scanning never stops.
// Without the helper (not built, or the platform has no libyara) scanning goes on with hashes only, and the
// status says so.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { YaraScanError, YaraScanner, type CompileReport, type DeepScanResult } from '../detect/index.js';

export interface ContentScannerOptions {
  helpersDir: string;
  /** Mamori's own rules. */
  packDir: string;
  log(level: 'info' | 'warn', message: string): void;
}

export interface ContentScannerStatus {
  state: 'running' | 'starting' | 'unavailable' | 'failed' | 'stopped';
  detail: string | null;
  folders: string[];
  rules: number;
  filesOk: number;
  filesFailed: number;
  compileMs: number;
  /** Rule files that did not compile (the first 50), with the line and the compiler's message. */
  errors: { file: string; line: number; message: string }[];
}

const MAX_ERRORS = 50;
// Scan errors that only mean "nothing to scan here" (gone, not a file, over the size limit).
const QUIET = new Set(['ENOENT', 'NOT_REGULAR', 'TOO_BIG', 'EACCES', 'EPERM', 'ELOOP', 'CLOSED']);

export class ContentScanner {
  private scanner: YaraScanner | null = null;
  private report: CompileReport | null = null;
  private folders: string[] = [];
  private state: ContentScannerStatus['state'] = 'stopped';
  private detail: string | null = null;
  private generation = 0;
  private closed = false;

  constructor(private readonly o: ContentScannerOptions) {}

  get binary(): string { return join(this.o.helpersDir, 'mamori-yara'); }

  /** (Re)compiles with these user folders; the previous scanner keeps answering until the new one is ready. */
  async load(userFolders: string[]): Promise<void> {
    const mine = ++this.generation;
    this.folders = [...userFolders];
    if (!existsSync(this.binary)) {
      this.state = 'unavailable';
      this.detail = `${this.binary} is not built (make -C native-helpers): files are checked by hash only`;
      return;
    }
    if (!this.scanner) this.state = 'starting';
    const rules = [this.o.packDir, ...userFolders.filter((f) => existsSync(f))];
    try {
      const next = await YaraScanner.start({ rules, binary: this.binary, log: (m) => this.o.log('info', `mamori-yara: ${m}`) });
      if (mine !== this.generation || this.closed) { await next.close(); return; } // superseded meanwhile
      const previous = this.scanner;
      this.scanner = next;
      this.report = next.report;
      this.state = 'running';
      const missing = userFolders.filter((f) => !existsSync(f));
      this.detail = missing.length ? `rule folder(s) not found: ${missing.join(', ')}` : null;
      if (next.report.filesFailed) this.o.log('warn', `${next.report.filesFailed} YARA rule file(s) did not compile; see Settings`);
      await previous?.close();
    } catch (err) {
      if (mine !== this.generation) return;
      this.state = this.scanner ? 'running' : 'failed';
      this.detail = `YARA rules could not be loaded: ${(err as Error).message}`;
      this.o.log('warn', this.detail);
    }
  }

  /**
   * YARA over one file and, when it is an archive or a container (zip, 7z, tar, gzip, mail, OLE2, PDF...),
   * over every member in memory, with their hashes. null when YARA is not available or the file cannot be read.
   */
  async scan(path: string): Promise<DeepScanResult | null> {
    const scanner = this.scanner;
    if (!scanner) return null;
    try {
      return await scanner.scanDeep(path);
    } catch (err) {
      if (!(err instanceof YaraScanError && QUIET.has(err.code))) this.o.log('warn', `YARA scan of ${path} failed: ${(err as Error).message}`);
      return null;
    }
  }

  status(): ContentScannerStatus {
    const r = this.report;
    return {
      state: this.state, detail: this.detail, folders: this.folders,
      rules: r?.rules ?? 0, filesOk: r?.filesOk ?? 0, filesFailed: r?.filesFailed ?? 0, compileMs: r?.compileMs ?? 0,
      errors: (r?.errors ?? []).slice(0, MAX_ERRORS).map((e) => ({ file: e.file, line: e.line, message: e.message })),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    const s = this.scanner;
    this.scanner = null;
    this.state = 'stopped';
    await s?.close();
  }
}
