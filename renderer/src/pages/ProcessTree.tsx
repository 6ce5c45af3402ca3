// A process as a tree: the chain of programs that started it (each opens its own tree), the process
// itself highlighted, then what it started as a nested, collapsible tree. Each node says who ran it,
// when, how it ended and what it did (connections, system calls) in plain words; the technical truth
// (entity id, program file hash, raw JSON) is folded and copyable.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ProcessNode, TelemetryEvent } from '../../../preload/contract/index.js';
import { CopyButton, LoadError, Loading, Notice, PageTitle } from '../components.js';
import { useApp, useLive } from '../state.js';
import { href, lastEventsPath, processPath } from '../router.js';
import { errorCode } from '../client.js';
import { describeEvent, isSketchy, nodeState, processName, summaryTouchesTree, walkTree } from '../telemetry.js';

/** Levels of the child tree open at first; deeper ones start closed. */
const OPEN_DEPTH = 2;
/** Activity lines shown before "show more". */
const ACTIVITY_SHOWN = 5;
/** Live: reload a tree whose processes got new events at most once per this many ms. */
const LIVE_RELOAD_MS = 1000;

export function ProcessTreePage({ id }: { id: string }) {
  const { t } = useApp();
  const live = useLive((c) => c.processTree({ ref: id }), [], [id]);
  useTreeFollowsTelemetry(live.data, live.reload);
  const back = <a className="back-link" href={href(lastEventsPath())} data-testid="back-to-events">← {t.process.backToEvents}</a>;

  if (live.error && !live.data) {
    return (
      <>
        {back}
        <PageTitle>{t.process.title}</PageTitle>
        {errorCode(live.error) === 'NOT_FOUND'
          ? <Notice kind="warning" testId="process-not-found"><p>{t.process.notFound}</p></Notice>
          : <LoadError error={live.error} onRetry={live.reload} />}
      </>
    );
  }
  if (!live.data) {
    return (
      <>
        {back}
        <PageTitle>{t.process.title}</PageTitle>
        <Loading />
      </>
    );
  }
  return (
    <>
      {back}
      <TreeView key={live.data.process.entity_id} root={live.data.process} ancestors={live.data.ancestors} />
    </>
  );
}

/** Reloads the tree (throttled) when a pushed telemetry summary names one of its processes or a new child. */
function useTreeFollowsTelemetry(data: { process: ProcessNode; ancestors: ProcessNode[] } | undefined, reload: () => void): void {
  const { client } = useApp();
  const dataRef = useRef(data);
  dataRef.current = data;
  useEffect(() => {
    let timer: number | undefined;
    let last = 0;
    const off = client.on('telemetry', (summary) => {
      const shown = dataRef.current;
      if (!shown || timer !== undefined || !summaryTouchesTree(summary, shown.process, shown.ancestors)) return;
      timer = window.setTimeout(() => { timer = undefined; last = Date.now(); reload(); }, Math.max(0, last + LIVE_RELOAD_MS - Date.now()));
    });
    return () => { off(); window.clearTimeout(timer); };
  }, [client, reload]);
}

/** Which nodes are open: an explicit choice per entity, else open down to OPEN_DEPTH. */
type OpenMap = Record<string, boolean>;

function TreeView({ root, ancestors }: { root: ProcessNode; ancestors: ProcessNode[] }) {
  const { t, fmt } = useApp();
  const [open, setOpen] = useState<OpenMap>({});
  const name = processName(root);
  const parent = ancestors[ancestors.length - 1];
  let total = -1;
  walkTree(root, () => { total++; });

  const setAll = (value: boolean) => {
    const next: OpenMap = {};
    walkTree(root, (n) => { if (n.children.length) next[n.entity_id] = value; });
    setOpen(next);
  };

  return (
    <div data-testid="process-tree" data-entity={root.entity_id}>
      <PageTitle>{t.process.title}</PageTitle>
      <p className="lead" data-testid="process-summary">
        {parent ? t.process.summaryParent(name, processName(parent)) : null}
        {parent && fmt.lang !== 'ja' ? ' ' : null}
        {total === 0 ? t.process.summaryNoChildren
          : total === root.children.length ? t.process.summaryChildren(fmt.number(total))
          : t.process.summaryDescendants(fmt.number(root.children.length), fmt.number(total))}
      </p>

      <section className="tree-section" aria-labelledby="tree-ancestors">
        <h2 id="tree-ancestors">{t.process.startedBy}</h2>
        {ancestors.length === 0 ? <p className="muted">{t.process.startedByNone}</p> : (
          <ol className="chain" data-testid="tree-ancestors">
            {ancestors.map((a) => <AncestorLine key={a.entity_id} node={a} />)}
          </ol>
        )}
      </section>

      <section className="tree-section" aria-labelledby="tree-self">
        <div className="tree-head">
          <h2 id="tree-self">{t.process.thisProcess}</h2>
          {total > 0 ? (
            <div className="row">
              <button type="button" className="btn btn-small" onClick={() => setAll(true)} data-testid="tree-expand-all">{t.process.expandAll}</button>
              <button type="button" className="btn btn-small" onClick={() => setAll(false)} data-testid="tree-collapse-all">{t.process.collapseAll}</button>
            </div>
          ) : null}
        </div>
        <ul className="tree">
          <TreeNode node={root} depth={0} self open={open} setOpen={setOpen} />
        </ul>
      </section>
    </div>
  );
}

function AncestorLine({ node }: { node: ProcessNode }) {
  const { t } = useApp();
  const name = processName(node);
  const sketchy = isSketchy(node);
  return (
    <li className="chain-item" data-testid="tree-ancestor" data-pid={node.pid} data-entity={node.entity_id}>
      <div className="chain-line">
        {sketchy ? <span className="node-name">{name}</span> : (
          <a className="node-name" href={href(processPath(node.entity_id))} aria-label={t.process.open(`${name} (${t.process.pid(String(node.pid))})`)}>
            {name}
          </a>
        )}
        <NodeFacts node={node} />
      </div>
      {node.command_line ? <code className="cmd cmd-short chain-cmd" title={node.command_line}>{node.command_line}</code> : null}
      {sketchy ? <p className="muted small">{t.process.beforeWatching}</p> : null}
    </li>
  );
}

function NodeFacts({ node }: { node: ProcessNode }) {
  const { t, fmt } = useApp();
  const state = nodeState(node, fmt);
  const facts: ReactNode[] = [<span key="pid">{t.process.pid(String(node.pid))}</span>];
  if (node.user) facts.push(<span key="user">{t.process.user(node.user)}</span>);
  if (node.start) facts.push(<time key="start" dateTime={node.start}>{t.process.started(fmt.dateTimeSeconds(node.start))}</time>);
  return (
    <span className="node-facts">
      {facts.map((f, i) => <span key={i} className="fact">{f}</span>)}
      {!isSketchy(node) ? (
        <span className={`pill node-state node-state-${state.kind}`} data-testid="node-state" data-exit-code={node.exit_code ?? ''}>
          {state.text}
        </span>
      ) : null}
    </span>
  );
}

function TreeNode({ node, depth, self, open, setOpen }: {
  node: ProcessNode; depth: number; self?: boolean; open: OpenMap; setOpen(f: (m: OpenMap) => OpenMap): void;
}) {
  const { t, fmt } = useApp();
  const name = processName(node);
  const hasChildren = node.children.length > 0;
  const isOpen = open[node.entity_id] ?? depth < OPEN_DEPTH;
  const childrenId = `children-${node.entity_id}`;
  return (
    <li className="tree-item" data-testid={self ? 'tree-self' : 'tree-child'} data-pid={node.pid} data-entity={node.entity_id}>
      <div className={self ? 'node node-self' : 'node'}>
        <div className="node-head">
          {hasChildren ? (
            <button type="button" className="tree-toggle" aria-expanded={isOpen} aria-controls={childrenId}
              aria-label={isOpen ? t.process.collapse(name) : t.process.expand(name)}
              onClick={() => setOpen((m) => ({ ...m, [node.entity_id]: !isOpen }))} data-testid="tree-toggle">
              <span aria-hidden="true" className={isOpen ? 'chev chev-open' : 'chev'}>▸</span>
            </button>
          ) : <span className="tree-toggle-spacer" aria-hidden="true" />}
          {self ? <span className="node-name" data-testid="node-name">{name}</span> : (
            <a className="node-name" href={href(processPath(node.entity_id))} data-testid="node-name">{name}</a>
          )}
          <NodeFacts node={node} />
          {hasChildren ? <span className="muted small">· {t.process.childCount(fmt.number(node.children.length))}</span> : null}
        </div>
        <div className="node-body">
          {node.command_line ? <code className="cmd cmd-wrap" data-testid="node-command">{node.command_line}</code> : null}
          <Activity events={node.activity} />
          <NodeTech node={node} />
        </div>
      </div>
      {hasChildren && isOpen ? (
        <ul className="tree-children" id={childrenId}>
          {node.children.map((c) => <TreeNode key={c.entity_id} node={c} depth={depth + 1} open={open} setOpen={setOpen} />)}
        </ul>
      ) : null}
    </li>
  );
}

function Activity({ events }: { events: TelemetryEvent[] }) {
  const { t, fmt } = useApp();
  const [all, setAll] = useState(false);
  if (events.length === 0) return null;
  const shown = all ? events : events.slice(0, ACTIVITY_SHOWN);
  return (
    <div className="activity">
      <p className="activity-title small">{t.process.activity(fmt.number(events.length))}</p>
      <ul className="activity-list" data-testid="node-activity">
        {shown.map((e) => (
          <li key={e.id}>
            <span className={`kind-badge kind-${e.event.kind}`}>{t.events.kind[e.event.kind]}</span>
            <span>{describeEvent(e, fmt)}</span>
            <time className="muted small" dateTime={e['@timestamp']}>{fmt.dateTimeSeconds(e['@timestamp'])}</time>
          </li>
        ))}
      </ul>
      {events.length > shown.length ? (
        <button type="button" className="link-button small" onClick={() => setAll(true)}>
          {t.process.showMore(fmt.number(events.length - shown.length))}
        </button>
      ) : null}
    </div>
  );
}

/**
 * Entity id, program file, hash and the raw JSON. The hash is on the process's exec event, not on the
 * node: it is looked up (once, when the details are opened) among the events of that moment.
 */
function NodeTech({ node }: { node: ProcessNode }) {
  const { t, fmt, client } = useApp();
  const [opened, setOpened] = useState(false);
  const [lifecycle, setLifecycle] = useState<TelemetryEvent[] | null>(null);

  useEffect(() => {
    if (!opened || lifecycle !== null) return;
    let live = true;
    const word = node.executable ?? node.command_line?.trim().split(/\s+/)[0];
    if (!word || !node.start) { setLifecycle([]); return; }
    const start = Date.parse(node.start);
    const end = node.end ? Date.parse(node.end) : start + 10 * 60_000;
    client.searchEvents({
      text: word, kind: 'process', since: new Date(start - 2000).toISOString(), until: new Date(end + 2000).toISOString(), limit: 1000,
    }).then(
      (r) => { if (live) setLifecycle(r.items.filter((e) => e.process.entity_id === node.entity_id).reverse()); },
      () => { if (live) setLifecycle([]); },
    );
    return () => { live = false; };
  }, [opened, lifecycle, node, client]);

  const exec = lifecycle?.slice().reverse().find((e) => e.event.action === 'exec');
  const sha = exec?.process.hash?.sha256 ?? null;
  const raw = JSON.stringify({
    ...node,
    children: node.children.map((c) => c.entity_id),
    ...(lifecycle ? { events: lifecycle } : {}),
  }, null, 2);

  return (
    <details className="tech tech-node" onToggle={(e) => setOpened((e.currentTarget as HTMLDetailsElement).open)} data-testid="node-tech">
      <summary>{t.common.technicalDetails}</summary>
      <dl className="kv">
        <dt>{t.process.tech.entityId}</dt>
        <dd><code data-testid="node-entity">{node.entity_id}</code> <CopyButton text={node.entity_id} label={t.process.tech.entityId} /></dd>
        <dt>{t.process.tech.executable}</dt>
        <dd>{node.executable ? <code className="path">{node.executable}</code> : t.process.tech.notRecorded}</dd>
        {node.command_line ? (
          <>
            <dt>{t.process.tech.commandLine}</dt>
            <dd><code className="path">{node.command_line}</code> <CopyButton text={node.command_line} label={t.process.tech.commandLine} /></dd>
          </>
        ) : null}
        <dt>{t.process.tech.sha256}</dt>
        <dd>
          {lifecycle === null ? t.common.loading : sha ? (
            <><code className="hash" data-testid="node-sha256">{sha}</code> <CopyButton text={sha} label={t.process.tech.sha256} /></>
          ) : t.process.tech.notRecorded}
        </dd>
        {node.start ? (
          <>
            <dt>{t.process.tech.started}</dt>
            <dd><time dateTime={node.start}>{fmt.dateTimeSeconds(node.start)}</time> <code className="small muted">{node.start}</code></dd>
          </>
        ) : null}
        {node.end ? (
          <>
            <dt>{t.process.tech.ended}</dt>
            <dd><time dateTime={node.end}>{fmt.dateTimeSeconds(node.end)}</time> <code className="small muted">{node.end}</code></dd>
          </>
        ) : null}
      </dl>
      <div className="raw-head">
        <h3>{t.process.tech.raw}</h3>
        <CopyButton text={raw} label={t.process.tech.raw} />
      </div>
      <pre className="raw" tabIndex={0} data-testid="node-raw-json">{raw}</pre>
    </details>
  );
}
