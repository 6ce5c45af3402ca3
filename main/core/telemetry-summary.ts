// Stored telemetry -> throttled `telemetry` summaries for the UI. During an exec storm the UI gets a few
// small messages per second (counts, newest id, the newest few events), never one message per event.
import {
  TELEMETRY_SUMMARY_ENTITIES_MAX, TELEMETRY_SUMMARY_RECENT_MAX, type EventKind, type TelemetryEvent, type TelemetrySummary,
} from '../../preload/contract/index.js';
import type { NewEvent } from './store/index.js';

/** At most one summary per this many ms: 4 per second keeps the UI live without flooding it. */
export const TELEMETRY_SUMMARY_INTERVAL_MS = 250;

export interface TelemetrySummarizerOptions {
  /** The newest stored events, newest first (read only when a summary goes out). */
  newest(limit: number): TelemetryEvent[];
  emit(summary: TelemetrySummary): void;
  log(message: string): void;
  intervalMs?: number;
}

export class TelemetrySummarizer {
  private count = 0;
  private byKind: Record<EventKind, number> = emptyCounts();
  private entities = new Set<string>();
  private entitiesTruncated = false;
  private lastSentId = 0;
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly o: TelemetrySummarizerOptions) {
    this.intervalMs = o.intervalMs ?? TELEMETRY_SUMMARY_INTERVAL_MS;
  }

  /** Call after a batch is stored. The first batch after a quiet spell goes out at once; the rest wait for the interval. */
  add(events: readonly NewEvent[]): void {
    if (this.stopped || !events.length) return;
    this.count += events.length;
    for (const e of events) {
      this.byKind[e.event.kind]++;
      this.noteEntity(e.process.entity_id);
      if (e.process.parent?.entity_id) this.noteEntity(e.process.parent.entity_id);
    }
    if (this.timer) return;
    const wait = this.lastSentAt + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref();
    }
  }

  /** No summaries after this (the store is about to close). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private noteEntity(id: string): void {
    if (this.entities.has(id)) return;
    if (this.entities.size >= TELEMETRY_SUMMARY_ENTITIES_MAX) this.entitiesTruncated = true;
    else this.entities.add(id);
  }

  private flush(): void {
    this.timer = null;
    if (this.stopped || !this.count) return;
    let recent: TelemetryEvent[] = [];
    try {
      recent = this.o.newest(Math.min(TELEMETRY_SUMMARY_RECENT_MAX, this.count)).filter((e) => e.id > this.lastSentId);
    } catch (err) {
      // Runs from a timer: a throw here would take the process down. The counts still go out.
      this.o.log(`reading the newest events for the live view failed: ${(err as Error).message}`);
    }
    const newestId = recent[0]?.id ?? this.lastSentId;
    const summary: TelemetrySummary = {
      count: this.count, byKind: this.byKind, newestId, newestTime: recent[0]?.['@timestamp'] ?? null, recent,
      entities: [...this.entities], entitiesTruncated: this.entitiesTruncated,
    };
    this.lastSentId = newestId;
    this.lastSentAt = Date.now();
    this.count = 0;
    this.byKind = emptyCounts();
    this.entities = new Set();
    this.entitiesTruncated = false;
    this.o.emit(summary);
  }
}

function emptyCounts(): Record<EventKind, number> {
  return { process: 0, syscall: 0, network: 0, file: 0 };
}
