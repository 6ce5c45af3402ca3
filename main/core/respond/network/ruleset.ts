// Mamori's nftables table, as pure functions: a desired state -> the nft script that creates the whole
// table, and nft's JSON listing -> the state the kernel holds. No I/O here.
//
// Layout (one table, rewritten whole in one atomic transaction on every change):
//   sets  block4_<len>, block6_<len>, allow4_<len>, allow6_<len>: one set per prefix length in use. Prefixes of
//         one length never partly overlap, so 10.0.0.5 and 10.0.0.0/24 can both be blocked and each undone
//         alone (one interval set would refuse the second: "interval overlaps with an existing one").
//   chains input / output / forward, hooked at priority filter - 10:
//         loopback accept (input/output) -> blocked drop -> [isolated: allow-list accept, link upkeep accept, drop]
// Every rule carries a comment naming its role, so a listing can be checked against the expected layout.
import { parsePrefix, uniquePrefixes, type Prefix } from './addresses.js';

export interface NetworkState {
  isolated: boolean;
  /** Addresses/prefixes still reachable while isolated (ignored when not isolated). */
  allow: string[];
  blocked: string[];
}

export interface CanonicalState {
  isolated: boolean;
  allow: Prefix[];
  blocked: Prefix[];
}

/** What the kernel holds, plus whether the table is laid out as Mamori would write it for that state. */
export interface KernelView {
  present: boolean;
  state: CanonicalState;
  layout: string;
}

export const PRIORITY = -10; // "filter - 10": before the usual filter chains; a drop anywhere still drops.
const COMMENT = 'Mamori EDR: blocks and isolation; undo in Mamori or: nft delete table';

export const RULE = {
  loopback: 'mamori:loopback',
  block: 'mamori:block',
  allow: 'mamori:allow',
  link: 'mamori:link',
  isolate: 'mamori:isolate',
} as const;

interface SetDef { name: string; prefixes: Prefix[] }
interface RuleDef { text: string; comment: string }
interface ChainDef { name: 'input' | 'output' | 'forward'; rules: RuleDef[] }
interface TableDef { sets: SetDef[]; chains: ChainDef[] }

export function canonicalState(state: NetworkState): CanonicalState {
  const isolated = state.isolated === true;
  return {
    isolated,
    // The allow-list only exists inside isolation; outside it there is nothing to remember in the kernel.
    allow: isolated ? uniquePrefixes((state.allow ?? []).map(parsePrefix)) : [],
    blocked: uniquePrefixes((state.blocked ?? []).map(parsePrefix)),
  };
}

export function plainState(s: CanonicalState): NetworkState {
  return { isolated: s.isolated, allow: s.allow.map((p) => p.text), blocked: s.blocked.map((p) => p.text) };
}

export function isEmpty(s: CanonicalState): boolean {
  return !s.isolated && s.blocked.length === 0;
}

export function sameState(a: CanonicalState, b: CanonicalState): boolean {
  const key = (s: CanonicalState) => JSON.stringify(plainState(s));
  return key(a) === key(b);
}

function setsFor(kind: 'block' | 'allow', prefixes: Prefix[]): SetDef[] {
  const groups = new Map<string, Prefix[]>();
  for (const p of prefixes) {
    const name = `${kind}${p.family}_${p.len}`;
    groups.set(name, [...(groups.get(name) ?? []), p]);
  }
  return [...groups].map(([name, list]) => ({ name, prefixes: list }));
}

const proto = (name: string) => (name.includes('4_') ? 'ip' : 'ip6');

function tableDef(s: CanonicalState): TableDef {
  const block = setsFor('block', s.blocked);
  const allow = s.isolated ? setsFor('allow', s.allow) : [];
  const input: RuleDef[] = [{ text: 'iif "lo" accept', comment: RULE.loopback }];
  const output: RuleDef[] = [{ text: 'oif "lo" accept', comment: RULE.loopback }];
  const forward: RuleDef[] = [];
  // Blocks come first: an address both blocked and allowed stays blocked.
  for (const { name } of block) {
    input.push({ text: `${proto(name)} saddr @${name} drop`, comment: RULE.block });
    output.push({ text: `${proto(name)} daddr @${name} drop`, comment: RULE.block });
    forward.push({ text: `${proto(name)} saddr @${name} drop`, comment: RULE.block });
    forward.push({ text: `${proto(name)} daddr @${name} drop`, comment: RULE.block });
  }
  if (s.isolated) {
    // Both directions to an allowed address, so the console can reach in and the host can reach out.
    for (const { name } of allow) {
      input.push({ text: `${proto(name)} saddr @${name} accept`, comment: RULE.allow });
      output.push({ text: `${proto(name)} daddr @${name} accept`, comment: RULE.allow });
      forward.push({ text: `${proto(name)} saddr @${name} accept`, comment: RULE.allow });
      forward.push({ text: `${proto(name)} daddr @${name} accept`, comment: RULE.allow });
    }
    // Link upkeep carries no data off the link but keeps the host addressable: IPv6 neighbour discovery
    // (the IPv6 ARP; hop limit 255 proves it never crossed a router) and the DHCP lease, so an isolation
    // that outlasts the lease does not leave the console unable to reach the host to undo it.
    input.push({ text: 'ip6 hoplimit 255 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept', comment: RULE.link });
    output.push({ text: 'ip6 hoplimit 255 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept', comment: RULE.link });
    input.push({ text: 'udp sport 67 udp dport 68 accept', comment: RULE.link });
    output.push({ text: 'udp sport 68 udp dport 67 accept', comment: RULE.link });
    input.push({ text: 'udp sport 547 udp dport 546 accept', comment: RULE.link });
    output.push({ text: 'udp sport 546 udp dport 547 accept', comment: RULE.link });
    input.push({ text: 'drop', comment: RULE.isolate });
    output.push({ text: 'drop', comment: RULE.isolate });
    forward.push({ text: 'drop', comment: RULE.isolate });
  }
  return {
    sets: [...block, ...allow],
    chains: [{ name: 'input', rules: input }, { name: 'output', rules: output }, { name: 'forward', rules: forward }],
  };
}

/** The fingerprint a listing must have for state `s`: set names, chain hooks and the rules' roles in order. */
export function expectedLayout(s: CanonicalState): string {
  if (isEmpty(s)) return '';
  const def = tableDef(s);
  return layoutKey(
    def.sets.map((x) => x.name),
    def.chains.map((c) => ({ name: c.name, hook: c.name, prio: PRIORITY, comments: c.rules.map((r) => r.comment) })),
  );
}

function layoutKey(sets: string[], chains: { name: string; hook: string; prio: number; comments: string[] }[]): string {
  const c = [...chains].sort((a, b) => a.name.localeCompare(b.name)).map((x) => `${x.name}@${x.hook}/${x.prio}:${x.comments.join(',')}`);
  return `sets=${[...sets].sort().join(',')};${c.join(';')}`;
}

/**
 * One nft transaction that leaves exactly `s` in the kernel: create-if-missing, delete, create whole.
 * `nft -f` applies a file atomically, so packets see either the old table or the new one, never a mix.
 */
export function buildScript(table: string, family: string, s: CanonicalState): string {
  const lines = [`table ${family} ${table}`, `delete table ${family} ${table}`];
  if (isEmpty(s)) return `${lines.join('\n')}\n`;
  const def = tableDef(s);
  lines.push(`table ${family} ${table} {`, `  comment "${COMMENT}"`);
  for (const set of def.sets) {
    const type = set.name.includes('4_') ? 'ipv4_addr' : 'ipv6_addr';
    const full = set.prefixes[0]!.len === (type === 'ipv4_addr' ? 32 : 128);
    lines.push(`  set ${set.name} {`, `    type ${type}`);
    if (!full) lines.push('    flags interval');
    lines.push(`    elements = { ${set.prefixes.map((p) => p.text).join(', ')} }`, '  }');
  }
  for (const chain of def.chains) {
    lines.push(`  chain ${chain.name} {`, `    type filter hook ${chain.name} priority filter - ${-PRIORITY}; policy accept;`);
    for (const r of chain.rules) lines.push(`    ${r.text} comment "${r.comment}"`);
    lines.push('  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);

/** Reads `nft -j list table` output. Sets that are not Mamori's or elements that do not parse spoil the layout. */
export function parseListing(json: string): KernelView {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error('nft printed something that is not JSON');
  }
  const items = obj(doc)?.nftables;
  if (!Array.isArray(items)) throw new Error('nft JSON has no "nftables" list');
  const blocked: Prefix[] = [];
  const allow: Prefix[] = [];
  const setNames: string[] = [];
  const chains = new Map<string, { name: string; hook: string; prio: number; comments: string[] }>();
  const rules: { chain: string; comment: string }[] = [];
  let foreign = false;
  for (const item of items) {
    const o = obj(item);
    const set = obj(o?.set);
    const chain = obj(o?.chain);
    const rule = obj(o?.rule);
    if (set) {
      const name = String(set.name);
      setNames.push(name);
      const m = /^(block|allow)([46])_(\d+)$/.exec(name);
      const elems = Array.isArray(set.elem) ? set.elem : [];
      for (const e of elems) {
        const p = m ? elementPrefix(e) : null;
        if (!m || !p || p.family !== Number(m[2]) || p.len !== Number(m[3])) {
          foreign = true;
          continue;
        }
        (m[1] === 'block' ? blocked : allow).push(p);
      }
    } else if (chain) {
      const name = String(chain.name);
      chains.set(name, { name, hook: String(chain.hook ?? ''), prio: Number(chain.prio ?? NaN), comments: [] });
    } else if (rule) {
      rules.push({ chain: String(rule.chain), comment: typeof rule.comment === 'string' ? rule.comment : '' });
    }
  }
  // nft lists a chain's rules in the order the kernel evaluates them.
  for (const r of rules) chains.get(r.chain)?.comments.push(r.comment);
  // Any isolation drop in effect means the host is (at least partly) isolated: say so rather than hide it.
  const isolated = [...chains.values()].some((c) => c.comments.includes(RULE.isolate));
  const state: CanonicalState = { isolated, allow: uniquePrefixes(allow), blocked: uniquePrefixes(blocked) };
  const layout = foreign ? 'foreign' : layoutKey(setNames, [...chains.values()]);
  return { present: true, state, layout };
}

function elementPrefix(e: unknown): Prefix | null {
  try {
    if (typeof e === 'string') return parsePrefix(e);
    const o = obj(e);
    // An element with a comment or timeout is listed as {"elem": {"val": ...}}.
    const val = obj(o?.elem)?.val;
    if (val !== undefined) return elementPrefix(val);
    const prefix = obj(o?.prefix);
    if (prefix && typeof prefix.addr === 'string' && typeof prefix.len === 'number') return parsePrefix(`${prefix.addr}/${prefix.len}`);
  } catch {}
  return null;
}
