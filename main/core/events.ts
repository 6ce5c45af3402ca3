import { EventEmitter } from 'node:events';
import type { EventName, EventPayload, Unsubscribe } from '../../preload/contract/index.js';

/** The core's pushed events, typed by the contract. A throwing listener never breaks the core. */
export class CoreEvents {
  private readonly emitter = new EventEmitter();

  constructor(private readonly log: (m: string) => void) {
    this.emitter.setMaxListeners(100);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Unsubscribe {
    const safe = (payload: EventPayload<E>) => {
      try { listener(payload); } catch (err) { this.log(`event listener for ${event} failed: ${(err as Error).message}`); }
    };
    this.emitter.on(event, safe);
    return () => { this.emitter.off(event, safe); };
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit(event, payload);
  }
}
