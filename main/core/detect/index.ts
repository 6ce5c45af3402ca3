// Detection is pure: a file's facts in, a finding (or null) out. No I/O here.
import type { FileRule } from './rules.js';
import { HashSignatures, isEicar, EICAR_MAX_SIZE } from './signatures.js';
import { FILE_RULES } from './rules.js';

export { FILE_RULES, type FileRule } from './rules.js';
export { HashSignatures, isEicar, needsDigest, EICAR, EICAR_MAX_SIZE, SHA256_RE, type DigestPolicy, type HashEntry, type StoredSignature } from './signatures.js';
export {
  parseSignatures, detectFormat, UnsupportedSignatureFormat, type HashAlgo, type HashSignature, type ParsedSignatures,
  type SignatureFormat, type BadLine,
} from './signature-formats.js';

export interface FileFacts {
  path: string;
  size: number;
  sha256: string;
  /** Only computed when a signature list has an MD5/SHA-1 of this file's size (DigestPolicy). */
  md5?: string | null;
  sha1?: string | null;
  /** The whole content when the file is small enough for content rules (<= EICAR_MAX_SIZE), else null. */
  smallContent: Buffer | null;
}

export interface Finding {
  rule: FileRule;
  signature: string;
}

export function detectFile(facts: FileFacts, hashes: HashSignatures): Finding | null {
  const known = hashes.lookup(facts);
  if (known) return { rule: known.rule, signature: known.name };
  return detectByContent(facts);
}

/** The content rules that need no helper: the EICAR test string (files up to EICAR_MAX_SIZE). */
export function detectByContent(facts: FileFacts): Finding | null {
  if (facts.smallContent && facts.size <= EICAR_MAX_SIZE && isEicar(facts.smallContent)) {
    return { rule: FILE_RULES.eicar, signature: 'EICAR-Test-File' };
  }
  return null;
}
export { yaraFinding, worstYaraFinding, isOwnYaraRule } from './yara-findings.js';
export { YaraScanner, YaraScanError, type YaraMatch, type CompileReport, type DeepMember, type DeepScanResult } from './yara/index.js';
export { detectMembers, type MemberFinding } from './archive-findings.js';
export { BehaviourRules, checkSigmaFolders, type BehaviourFinding, type SigmaCheckReport } from './behaviour.js';
