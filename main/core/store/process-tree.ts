// A process tree from the event history: the process, its ancestors, its children (recursively) and
// what each did. Ancestors that started before Mamori watched are described from their children's events.
import type { ProcessNode, TelemetryEvent } from '../../../preload/contract/index.js';
import type { EventsRepo } from './events.js';

const MAX_DEPTH = 8;
const MAX_NODES = 300;
const MAX_ACTIVITY = 50;
const MAX_ANCESTORS = 30;

export function processTree(events: EventsRepo, ref: string): { process: ProcessNode; ancestors: ProcessNode[] } | null {
  const entity = /^\d+$/.test(ref) ? events.entityForPid(Number(ref)) : ref;
  if (!entity) return null;
  const budget = { nodes: MAX_NODES };
  const root = node(events, entity, 0, budget, true);
  if (!root) return null;

  const ancestors: ProcessNode[] = [];
  let parent = parentOf(events.byEntity(entity));
  while (parent && ancestors.length < MAX_ANCESTORS) {
    const own = events.byEntity(parent.entity_id ?? '');
    ancestors.unshift(own.length ? summarize(parent.entity_id!, own, []) : {
      entity_id: parent.entity_id ?? `${parent.pid}-?`, pid: parent.pid, executable: parent.executable,
      command_line: parent.command_line, user: null, start: null, end: null, exit_code: null, activity: [], children: [],
    });
    parent = own.length ? parentOf(own) : null;
  }
  return { process: root, ancestors };
}

function node(events: EventsRepo, entity: string, depth: number, budget: { nodes: number }, withChildren: boolean): ProcessNode | null {
  const own = events.byEntity(entity);
  if (!own.length || budget.nodes-- <= 0) return null;
  const children = withChildren && depth < MAX_DEPTH
    ? events.childEntities(entity).map((c) => node(events, c, depth + 1, budget, true)).filter((n): n is ProcessNode => n !== null)
    : [];
  return summarize(entity, own, children);
}

function summarize(entity: string, own: TelemetryEvent[], children: ProcessNode[]): ProcessNode {
  const lifecycle = own.filter((e) => e.event.kind === 'process');
  const image = [...lifecycle].reverse().find((e) => e.event.action === 'exec') ?? lifecycle[0] ?? own[0]!;
  const exit = lifecycle.find((e) => e.event.action === 'exit');
  return {
    entity_id: entity,
    pid: image.process.pid,
    executable: image.process.executable,
    command_line: image.process.command_line,
    user: image.user.name ?? (image.user.id !== null ? String(image.user.id) : null),
    start: image.process.start ?? lifecycle[0]?.['@timestamp'] ?? null,
    end: exit?.['@timestamp'] ?? null,
    exit_code: exit?.process.exit_code ?? null,
    activity: own.filter((e) => e.event.kind !== 'process').slice(0, MAX_ACTIVITY),
    children,
  };
}

function parentOf(own: TelemetryEvent[]): NonNullable<TelemetryEvent['process']['parent']> | null {
  for (const e of own) if (e.process.parent) return e.process.parent;
  return null;
}
