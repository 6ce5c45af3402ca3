// The bounded queue between "a file was written" and the scanner. A path already waiting is not queued twice
// (its newest writer wins); when the queue is full, new paths are dropped and counted, never silently.
export class BoundedPathQueue<T> {
  private readonly waiting = new Map<string, T>();
  /** Paths refused because the queue was full. */
  dropped = 0;
  /** Writes folded into a path already waiting. */
  merged = 0;

  constructor(readonly max: number) {}

  get size(): number { return this.waiting.size; }

  /** False when the queue is full and the path was dropped. */
  push(path: string, info: T): boolean {
    if (this.waiting.has(path)) {
      this.waiting.set(path, info);
      this.merged++;
      return true;
    }
    if (this.waiting.size >= this.max) { this.dropped++; return false; }
    this.waiting.set(path, info);
    return true;
  }

  shift(): [string, T] | undefined {
    const first = this.waiting.entries().next();
    if (first.done) return undefined;
    this.waiting.delete(first.value[0]);
    return first.value;
  }

  clear(): void { this.waiting.clear(); }
}
