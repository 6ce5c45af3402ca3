import { randomBytes } from 'node:crypto';

/** Sortable, unguessable ids: a prefix, the time in base36, then 8 random bytes in hex. */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
