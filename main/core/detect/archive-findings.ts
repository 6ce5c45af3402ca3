// Findings inside archives: the members a deep scan (YaraScanner.scanDeep) returned, checked against the
// hash signatures and their own YARA matches. Pure: no I/O.
import type { FileRule } from './rules.js';
import type { HashSignatures } from './signatures.js';
import type { DeepMember, YaraMatch } from './yara/index.js';

export interface MemberFinding {
  /** Where inside the scanned file: `archive.zip/inner.tar/clam.exe`. */
  path: string;
  /** 'hash': a signature list names the member; 'yara': rules matched it (the engine picks the alert rule). */
  kind: 'hash' | 'yara';
  /** The file rule for a hash hit. */
  rule?: FileRule;
  /** The signature's name (hash), or `namespace:rule` of every matching YARA rule joined by ", ". */
  signature: string;
  matches: YaraMatch[];
  size: number;
  sha256: string;
  suspiciousName: boolean;
}

/** One finding per member a hash signature knows (MD5/SHA-1 with their size rules, as for files) or
 * that YARA rules matched; a hash hit wins and keeps the member's YARA matches alongside. */
export function detectMembers(members: readonly DeepMember[], hashes: HashSignatures): MemberFinding[] {
  const out: MemberFinding[] = [];
  for (const m of members) {
    const base = { path: m.path, matches: m.matches, size: m.size, sha256: m.sha256, suspiciousName: m.suspiciousName };
    const known = hashes.lookup({ size: m.size, sha256: m.sha256, md5: m.md5 || null, sha1: m.sha1 || null });
    if (known) out.push({ ...base, kind: 'hash', rule: known.rule, signature: known.name });
    else if (m.matches.length) out.push({ ...base, kind: 'yara', signature: m.matches.map((x) => `${x.namespace}:${x.rule}`).join(', ') });
  }
  return out;
}
