// Pure renderer logic: language choice, dictionaries, formatting, routes and the token in the URL.
import { describe, expect, it } from 'vitest';
import {
  baseName, createFormatter, dictionaries, isAbsolutePath, localeFor, resolveLanguage,
} from '../../renderer/src/i18n.js';
import { parseRoute } from '../../renderer/src/router.js';
import { tokenFromHash } from '../../renderer/src/client.js';

/** Every leaf path of a dictionary, with the kind of value there. */
function leaves(obj: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
    else out.set(key, typeof v);
  }
  return out;
}

describe('language', () => {
  it("follows the system for 'auto': ja* is Japanese, anything else English", () => {
    expect(resolveLanguage('auto', 'ja-JP')).toBe('ja');
    expect(resolveLanguage('auto', 'ja')).toBe('ja');
    expect(resolveLanguage('auto', 'en-GB')).toBe('en');
    expect(resolveLanguage('auto', 'fr-FR')).toBe('en');
    expect(resolveLanguage('auto', undefined)).toBe('en');
    expect(resolveLanguage(undefined, 'ja-JP')).toBe('ja');
  });
  it('an explicit setting wins over the system', () => {
    expect(resolveLanguage('en', 'ja-JP')).toBe('en');
    expect(resolveLanguage('ja', 'en-US')).toBe('ja');
  });
  it("uses the user's own locale when it matches the UI language", () => {
    expect(localeFor('en', 'en-GB')).toBe('en-GB');
    expect(localeFor('en', 'ja-JP')).toBe('en-US');
    expect(localeFor('ja', 'en-US')).toBe('ja-JP');
  });
});

describe('dictionaries', () => {
  it('have the same keys and value kinds in English and Japanese', () => {
    expect([...leaves(dictionaries.ja)].sort()).toEqual([...leaves(dictionaries.en)].sort());
  });
  it('have no empty strings', () => {
    for (const lang of ['en', 'ja'] as const) {
      const walk = (o: unknown, path: string): void => {
        for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
          if (typeof v === 'string') expect(v.trim(), `${lang}.${path}${k}`).not.toBe('');
          else if (v && typeof v === 'object') walk(v, `${path}${k}.`);
        }
      };
      walk(dictionaries[lang], '');
    }
  });
  it('say the protected state plainly in both languages', () => {
    expect(dictionaries.ja.state.protected).toBe('保護されています');
    expect(dictionaries.en.state.protected).toBe("You're protected");
  });
  it('Japanese sentences use the polite form', () => {
    const ja = dictionaries.ja;
    for (const s of [ja.stateExplain.protected, ja.stateExplain.attention, ja.quarantine.intro, ja.auth.body, ja.detail.noAdvice]) {
      expect(s).toMatch(/(です|ます|ません|ください)。/);
    }
  });
});

describe('formatting', () => {
  const en = createFormatter('en', 'en-US', 'UTC');
  const ja = createFormatter('ja', 'ja-JP', 'Asia/Tokyo');

  it('shows sizes in bytes, KB and MB', () => {
    expect(en.bytes(0)).toBe('0 bytes');
    expect(en.bytes(68)).toBe('68 bytes');
    expect(en.bytes(1536)).toBe('1.5 KB');
    expect(en.bytes(482_113)).toBe('470.8 KB');
    expect(en.bytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(en.bytes(2_345_678_901)).toBe('2.2 GB');
    expect(ja.bytes(68)).toBe('68 バイト');
    expect(ja.bytes(1536)).toBe('1.5 KB');
    expect(en.bytes(-1)).toBe(dictionaries.en.common.unknown);
  });
  it('counts with separators', () => {
    expect(en.number(12453)).toBe('12,453');
    expect(ja.number(1234567)).toBe('1,234,567');
  });
  it("shows times in the user's locale and time zone", () => {
    expect(en.dateTime('2025-01-02T03:04:05Z')).toMatch(/^Jan 2, 2025, 3:04\sAM$/);
    expect(ja.dateTime('2025-01-02T03:04:05Z')).toBe('2025/01/02 12:04');
    expect(en.dateTime('not a date')).toBe('not a date');
  });
  it('labels chart days without shifting them across time zones', () => {
    expect(en.shortDay('2025-11-25')).toBe('11/25');
    expect(ja.shortDay('2025-11-25')).toBe('11/25');
  });
  it('estimates durations in plain units', () => {
    expect(en.duration(5)).toBe('5 seconds');
    expect(en.duration(59)).toBe('59 seconds');
    expect(en.duration(120)).toBe('2 minutes');
    expect(en.duration(3 * 3600)).toBe('3 hours');
    expect(ja.duration(120)).toBe('2 分');
  });
  it('knows absolute paths and file names', () => {
    expect(isAbsolutePath('/home/a')).toBe(true);
    expect(isAbsolutePath('C:\\Users')).toBe(true);
    expect(isAbsolutePath('relative/x')).toBe(false);
    expect(isAbsolutePath('')).toBe(false);
    expect(baseName('/home/office/Downloads/invoice.pdf.exe')).toBe('invoice.pdf.exe');
    expect(baseName('C:\\Users\\a\\b.txt')).toBe('b.txt');
  });
});

describe('routes and token', () => {
  it('parses hash routes', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('#/alerts')).toEqual({ page: 'alerts' });
    expect(parseRoute('#/alerts/al_123-x')).toEqual({ page: 'alert', id: 'al_123-x' });
    expect(parseRoute('#/quarantine')).toEqual({ page: 'quarantine' });
    expect(parseRoute('#/scans')).toEqual({ page: 'scans' });
    expect(parseRoute('#/actions')).toEqual({ page: 'actions' });
    expect(parseRoute('#/settings')).toEqual({ page: 'settings' });
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
  });
  it('reads the token from the agent URL and ignores app routes', () => {
    expect(tokenFromHash('#token=abc_DEF-123')).toEqual({ token: 'abc_DEF-123', route: null });
    expect(tokenFromHash('#token=abc&route=/alerts/x')).toEqual({ token: 'abc', route: '/alerts/x' });
    expect(tokenFromHash('#token=abc&route=https://evil')).toEqual({ token: 'abc', route: null });
    expect(tokenFromHash('#/alerts')).toEqual({ token: null, route: null });
    expect(tokenFromHash('')).toEqual({ token: null, route: null });
    expect(tokenFromHash('#token=')).toEqual({ token: null, route: null });
  });
});
