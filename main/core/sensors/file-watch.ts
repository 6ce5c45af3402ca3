// Watched-folder file sensor (the portable tier): chokidar on the chosen folders. It owns the watcher and
// has a lifecycle; it only reports paths that were added or changed and finished being written.
import { existsSync } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';

export interface FileWatchSensorOptions {
  folders: string[];
  /** Paths under these are never reported (Mamori's own data dir). */
  exclude: string[];
  onFile(path: string): void;
  log(message: string): void;
}

export interface SensorState {
  id: string;
  state: 'running' | 'stopped' | 'failed' | 'paused';
  detail: string | null;
}

const RESTORE_TEMP = /\.mamori-restore-[A-Za-z0-9_-]+$/;

export class FileWatchSensor {
  readonly id = 'file-watch';
  private watcher: FSWatcher | null = null;
  private state: SensorState['state'] = 'stopped';
  private detail: string | null = null;

  constructor(private options: FileWatchSensorOptions) {}

  async start(): Promise<void> {
    if (this.watcher) return;
    const folders = this.options.folders.filter((f) => existsSync(f));
    const missing = this.options.folders.filter((f) => !existsSync(f));
    if (!folders.length) {
      // chokidar never becomes ready without a path: report the gap instead of waiting forever.
      this.state = 'stopped';
      this.detail = missing.length ? `no watched folder exists: ${missing.join(', ')}` : 'no folder to watch';
      return;
    }
    const excluded = (p: string) => RESTORE_TEMP.test(p)
      || this.options.exclude.some((ex) => p === ex || p.startsWith(`${ex}/`));
    const watcher = watch(folders, {
      ignoreInitial: true,
      followSymlinks: false,
      ignorePermissionErrors: true,
      ignored: excluded,
      // Report a file once its size has been stable briefly, not on every write of a download.
      awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    });
    watcher.on('add', (p) => this.options.onFile(p));
    watcher.on('change', (p) => this.options.onFile(p));
    watcher.on('error', (err) => {
      this.state = 'failed';
      this.detail = (err as Error).message;
      this.options.log(`file watcher error: ${(err as Error).message}`);
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watcher = watcher;
    this.state = 'running';
    this.detail = missing.length ? `not found, not watched: ${missing.join(', ')}` : null;
  }

  async stop(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    if (w) await w.close();
    this.state = 'stopped';
  }

  async pause(): Promise<void> {
    await this.stop();
    this.state = 'paused';
  }

  /** Change the folders: restarts the watcher when it was running. */
  async setFolders(folders: string[]): Promise<void> {
    const wasRunning = this.watcher !== null;
    await this.stop();
    this.options = { ...this.options, folders };
    if (wasRunning) await this.start();
  }

  status(): SensorState {
    return { id: this.id, state: this.state, detail: this.detail };
  }
}
