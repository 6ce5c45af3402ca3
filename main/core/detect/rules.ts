// Mamori's own file rules: id, severity and the plain-language text an office user reads first.
import type { AlertText, Severity } from '../../../preload/contract/index.js';

export interface FileRule {
  id: string;
  severity: Severity;
  engine: 'hash' | 'content' | 'yara';
  text: { en: AlertText; ja: AlertText };
  /** The MITRE ATT&CK technique, when the rule names one (T1059.004). */
  attack?: string;
}

export const FILE_RULES = {
  eicar: {
    id: 'mamori.file.eicar',
    severity: 'high',
    engine: 'content',
    text: {
      en: {
        title: 'Antivirus test file found',
        summary: 'A file contains the EICAR test string. It is harmless and exists only to check that antivirus software works; Mamori treats it like a real threat so you can see what would happen.',
        advice: ['If you or your IT helper made this file to test Mamori, nothing else is needed.', 'If you do not know where it came from, ask who put it there.'],
      },
      ja: {
        title: 'ウイルス対策のテストファイルが見つかりました',
        summary: 'EICAR テスト文字列を含むファイルがあります。これは害のないファイルで、ウイルス対策ソフトが動いているかを確かめるためのものです。本物の脅威と同じように扱い、どう動くかを示しました。',
        advice: ['ご自身または IT 担当者がテストのために作ったファイルなら、対応は不要です。', '心当たりがない場合は、誰が置いたかを確認してください。'],
      },
    },
  },
  testProgram: {
    id: 'mamori.file.test-program',
    severity: 'high',
    engine: 'hash',
    text: {
      en: {
        title: 'Antivirus test program found',
        summary: 'A file is a known harmless test program used to check antivirus software (for example ClamAV\'s clam.exe). Mamori treats it like a real threat.',
        advice: ['If this was a test, nothing else is needed.', 'Otherwise, find out where the file came from.'],
      },
      ja: {
        title: 'ウイルス対策のテスト用プログラムが見つかりました',
        summary: 'ウイルス対策ソフトの確認に使われる、害のないテスト用プログラム（ClamAV の clam.exe など）です。本物の脅威と同じように扱いました。',
        advice: ['テストのためのファイルなら、対応は不要です。', 'そうでなければ、ファイルの入手元を確認してください。'],
      },
    },
  },
  knownMalware: {
    id: 'mamori.file.known-malware',
    severity: 'critical',
    engine: 'hash',
    text: {
      en: {
        title: 'Known malicious file found',
        summary: 'The file is identical to a known malicious file on one of your threat lists.',
        advice: [
          'Do not restore or open the file unless you are sure it is safe.',
          'Think about how it arrived (email attachment, download, USB stick) and warn the people involved.',
          'Run a scan of your other folders.',
        ],
      },
      ja: {
        title: '既知の不正なファイルが見つかりました',
        summary: 'このファイルは、脅威リストに載っている不正なファイルとまったく同じものです。',
        advice: [
          '安全だと確信できない限り、ファイルを元に戻したり開いたりしないでください。',
          'メールの添付、ダウンロード、USB メモリなど、どこから来たかを確認し、関係する人に知らせてください。',
          'ほかのフォルダーもスキャンしてください。',
        ],
      },
    },
  },
  execBlocked: {
    id: 'mamori.exec.blocked',
    severity: 'critical',
    engine: 'hash',
    text: {
      en: {
        title: 'A known malicious program was stopped before it ran',
        summary: 'A program tried to start a file that is on one of your threat lists or in quarantine. Mamori refused to run it (the program got "Operation not permitted"), so it did nothing on this computer.',
        advice: [
          'Find out where the file came from; the alert names the program that tried to start it.',
          'Run a scan of your other folders.',
          'If you are sure the file is safe: restore it from quarantine, or remove the threat list that names it, and it will run again.',
        ],
      },
      ja: {
        title: '既知の不正なプログラムの実行を止めました',
        summary: '脅威リストに載っている、または隔離されたファイルを起動しようとする動きがありました。Mamori は実行を拒否したため（起動しようとしたプログラムには「Operation not permitted」が返りました）、このコンピューターでは何も実行されていません。',
        advice: [
          'ファイルの入手元を確認してください。起動しようとしたプログラムはこの警告に表示されています。',
          'ほかのフォルダーもスキャンしてください。',
          '安全だと確信できる場合は、隔離から元に戻すか、そのファイルを含む脅威リストを削除すると、再び実行できます。',
        ],
      },
    },
  },
} as const satisfies Record<string, FileRule>;
