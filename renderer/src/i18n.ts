// Every string the UI shows, in English and Japanese. `ja` is typed as `Messages` (the shape of `en`),
// so a key missing from either dictionary, or a parameter of the wrong type, fails the typecheck.
// Plain words first; jargon (rule ids, hashes, engine names) only in folded "technical details".
// Pure module: no React, no DOM, so it can be unit-tested under Node.
import type {
  ProtectionState, Severity, StatusReason,
} from '../../preload/contract/index.js';

export type Lang = 'en' | 'ja';
export type LanguageSetting = 'auto' | Lang;

type ScanStateName = 'running' | 'completed' | 'cancelled' | 'failed';
type QuarantineStateName = 'quarantined' | 'restored' | 'deleted';
type ActionKindName = 'quarantine' | 'restore' | 'delete';
type ActionStatusName = 'succeeded' | 'failed' | 'undone';

const en = {
  appName: 'Mamori',
  appTagline: 'Endpoint protection',
  skipToContent: 'Skip to content',
  nav: {
    label: 'Main',
    overview: 'Overview',
    alerts: 'Alerts',
    quarantine: 'Quarantine',
    scans: 'Scans',
    settings: 'Settings',
    openAlerts: (n: string) => `${n} open`,
  },
  common: {
    loading: 'Loading…',
    retry: 'Try again',
    cancel: 'Cancel',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Could not copy; select the text instead.',
    none: 'None',
    unknown: 'Unknown',
    technicalDetails: 'Technical details',
    automatic: 'automatically',
    byYou: 'by you',
  },
  severity: {
    critical: 'Critical',
    high: 'High',
    medium: 'Medium',
    low: 'Low',
    informational: 'Info',
  } satisfies Record<Severity, string>,
  state: {
    protected: "You're protected",
    attention: 'Your attention is needed',
    paused: 'Protection is paused',
    degraded: 'Protection is not working fully',
  } satisfies Record<ProtectionState, string>,
  stateExplain: {
    protected: 'Mamori is watching your folders and has found nothing that needs you.',
    attention: 'Mamori found something. Open the alerts to see what to do.',
    paused: 'Files are not being checked while protection is paused.',
    degraded: 'Part of Mamori has stopped. Files may not be checked.',
  } satisfies Record<ProtectionState, string>,
  reason: {
    'open-alerts': 'There are alerts you have not looked at yet.',
    paused: 'Real-time protection is paused.',
    'sensor-failed': 'A part of Mamori that watches files has stopped.',
    'no-watched-folders': 'No folders are being watched. Add one in Settings.',
    'database-recovered': 'Mamori repaired its database after a problem. Some history may be missing.',
  } satisfies Record<StatusReason['code'], string>,
  overview: {
    title: 'Overview',
    resumesAt: (time: string) => `Protection resumes by itself at ${time}.`,
    scan: 'Scan',
    pause15: 'Pause for 15 minutes',
    resume: 'Resume protection',
    openAlerts: 'Open alerts',
    noOpenAlerts: 'No open alerts',
    quarantined: 'Files in quarantine',
    lastScan: 'Last scan',
    neverScanned: 'No scan yet',
    lastScanSummary: (files: string, findings: string) => `${files} files checked, ${findings} found`,
    chartTitle: 'Alerts over the last 14 days',
    chartLabel: (total: string, days: string) => `${total} alerts in the last ${days} days`,
    chartEmpty: 'No alerts in the last 14 days.',
    watched: 'Watched folders',
    noWatched: 'None',
    sensors: 'Sensors',
    reasons: 'State reasons',
    version: 'Version',
    dataDir: 'Data folder',
    viewAlerts: 'View alerts',
    viewQuarantine: 'View quarantine',
  },
  alerts: {
    title: 'Alerts',
    filterLabel: 'Show',
    filterOpen: 'Open',
    filterResolved: 'Resolved',
    filterAll: 'All',
    empty: 'No alerts here.',
    emptyOpen: 'No open alerts. Nothing needs you right now.',
    colSeverity: 'Severity',
    colTime: 'Time',
    colWhat: 'What happened',
    colStatus: 'Status',
    statusOpen: 'Open',
    statusResolved: 'Resolved',
    seenTimes: (n: string) => `seen ${n} times`,
    total: (shown: string, total: string) => `Showing ${shown} of ${total}`,
  },
  detail: {
    backToList: 'All alerts',
    notFound: 'This alert does not exist (any more).',
    q1: 'What happened',
    q2: 'What Mamori did',
    q3: 'What you should do',
    q4: 'How to undo',
    when: (time: string) => `Found ${time}.`,
    repeated: (n: string, last: string) => `Seen ${n} times, last at ${last}.`,
    fromScan: 'Found by a scan.',
    fromRealtime: 'Found while watching your folders.',
    nothingDone: 'Mamori has not changed anything. Automatic quarantine may be off.',
    action: {
      quarantine: {
        succeeded: 'Moved the file to quarantine. It cannot run or be opened there.',
        failed: 'Tried to move the file to quarantine, but it failed.',
        undone: 'Moved the file to quarantine; this was undone later.',
      },
      restore: {
        succeeded: 'Put the file back where it was.',
        failed: 'Tried to put the file back, but it failed.',
        undone: 'Put the file back; this was undone later.',
      },
      delete: {
        succeeded: 'Deleted the quarantined copy for good.',
        failed: 'Tried to delete the quarantined copy, but it failed.',
        undone: 'Deleted the quarantined copy; this was undone later.',
      },
    } satisfies Record<ActionKindName, Record<ActionStatusName, string>>,
    actionWho: (time: string, who: string) => `${time}, ${who}`,
    actionError: (msg: string) => `Reason: ${msg}`,
    noAdvice: 'Nothing more is needed. You can mark this alert resolved.',
    undoRestore: 'Restore the file',
    undoRestoreHint: 'Only restore the file if you are sure it is safe, for example a false alarm on a file you know.',
    undoNothing: 'There is nothing to undo: Mamori did not change any file.',
    undoRestored: (path: string, time: string) => `The file was put back at ${path} (${time}).`,
    undoDeleted: 'The quarantined copy was deleted, so it cannot be restored.',
    undoFailedQuarantine: 'The file was not quarantined, so there is nothing to undo.',
    markResolved: 'Mark resolved',
    reopen: 'Open again',
    resolvedNote: 'You marked this alert resolved.',
    tech: {
      rule: 'Rule',
      engine: 'Detected by',
      engineHash: 'Known file fingerprint (SHA-256)',
      engineContent: 'Content pattern',
      signature: 'Signature',
      path: 'Path',
      sha256: 'SHA-256',
      size: 'Size',
      firstSeen: 'First seen',
      lastSeen: 'Last seen',
      alertId: 'Alert id',
      scanId: 'Scan id',
      raw: 'Raw alert (JSON)',
    },
  },
  restore: {
    done: (path: string) => `Restored to ${path}.`,
    exists: (path: string) => `Something already exists at ${path}. Mamori will not overwrite it.`,
    asNewName: 'Restore under a new name',
    failed: (msg: string) => `Could not restore the file: ${msg}`,
  },
  quarantine: {
    title: 'Quarantine',
    intro: 'Files Mamori moved out of the way. They cannot run or be opened while they are here.',
    showInactive: 'Also show restored and deleted files',
    empty: 'Quarantine is empty.',
    colName: 'File',
    colOriginal: 'Original location',
    colSize: 'Size',
    colDetection: 'Detection',
    colDate: 'Quarantined',
    colState: 'State',
    colActions: 'Actions',
    state: {
      quarantined: 'In quarantine',
      restored: 'Restored',
      deleted: 'Deleted',
    } satisfies Record<QuarantineStateName, string>,
    restore: 'Restore',
    delete: 'Delete',
    confirmTitle: 'Delete this file for good?',
    confirmBody: (name: string) => `The quarantined copy of “${name}” will be destroyed permanently.`,
    confirmBody2: 'It will not be put back in its folder, and this cannot be undone.',
    confirmDelete: 'Delete permanently',
    deleted: (name: string) => `“${name}” was deleted.`,
    deleteFailed: (msg: string) => `Could not delete the file: ${msg}`,
    openAlert: 'Open alert',
  },
  scans: {
    title: 'Scans',
    intro: 'Check a folder and everything inside it now.',
    pathLabel: 'Folder to scan',
    pathHint: 'A full path, for example /home/office/Documents',
    pathInvalid: 'Enter a full path that starts with / (or a drive letter such as C:\\).',
    start: 'Start scan',
    scanWatched: 'Scan watched folders',
    running: 'Scan in progress',
    counting: 'Counting files…',
    filesDone: (done: string, total: string) => `${done} of ${total} files`,
    filesDoneNoTotal: (done: string) => `${done} files checked so far`,
    bytesDone: (done: string, total: string) => `${done} of ${total}`,
    current: (folder: string) => `Now in ${folder}`,
    eta: (text: string) => `About ${text} left`,
    findingsSoFar: (n: string) => `${n} found so far`,
    cancel: 'Cancel scan',
    cancelling: 'Cancelling…',
    finished: (state: string, files: string, found: string) => `Scan ${state.toLowerCase()}: ${files} files checked, ${found} found.`,
    history: 'Scan history',
    noHistory: 'No scans yet.',
    colStart: 'Started',
    colEnd: 'Finished',
    colPaths: 'Folders',
    colFiles: 'Files',
    colBytes: 'Data',
    colFindings: 'Found',
    colErrors: 'Errors',
    colState: 'State',
    state: {
      running: 'Running',
      completed: 'Completed',
      cancelled: 'Cancelled',
      failed: 'Failed',
    } satisfies Record<ScanStateName, string>,
    startFailed: (msg: string) => `Could not start the scan: ${msg}`,
  },
  settings: {
    title: 'Settings',
    language: 'Language',
    languageAuto: (name: string) => `Automatic (system: ${name})`,
    languageJa: '日本語',
    languageEn: 'English',
    watched: 'Watched folders',
    watchedIntro: 'Mamori checks new and changed files in these folders as soon as they appear.',
    watchedEmpty: 'No folders are watched.',
    addFolder: 'Add folder',
    addPlaceholder: '/home/office/Documents',
    remove: 'Remove',
    removeLabel: (path: string) => `Remove ${path}`,
    already: 'This folder is already in the list.',
    autoQuarantine: 'Quarantine dangerous files automatically',
    autoQuarantineHint: 'Recommended. You can always restore a file from Quarantine.',
    notify: 'Show a notification for',
    notifyHint: 'Less serious findings are still listed under Alerts.',
    notifyOption: (sev: string) => `${sev} and above`,
    saved: 'Saved.',
    saveFailed: (msg: string) => `Could not save: ${msg}`,
  },
  units: {
    bytes: (n: string) => `${n} bytes`,
    kb: (n: string) => `${n} KB`,
    mb: (n: string) => `${n} MB`,
    gb: (n: string) => `${n} GB`,
    seconds: (n: string) => `${n} seconds`,
    minutes: (n: string) => `${n} minutes`,
    hours: (n: string) => `${n} hours`,
  },
  auth: {
    title: 'Open Mamori from its own link',
    body: 'This page needs the private link that the Mamori agent printed when it started.',
    how: 'On the computer running Mamori, look at the output of “mamori agent” and open the address that begins with http://127.0.0.1 and contains #token=.',
    expired: 'The link is no longer valid (the agent may have restarted). Open the new link that “mamori agent” printed.',
  },
  errors: {
    offline: 'Cannot reach Mamori. Is it still running?',
    generic: (msg: string) => `Something went wrong: ${msg}`,
    dismiss: 'Dismiss',
  },
  notFound: 'This page does not exist.',
};

export type Messages = typeof en;

const ja: Messages = {
  appName: 'Mamori',
  appTagline: 'パソコンの見守り',
  skipToContent: '本文へ移動',
  nav: {
    label: 'メイン',
    overview: '概要',
    alerts: '警告',
    quarantine: '隔離',
    scans: 'スキャン',
    settings: '設定',
    openAlerts: (n) => `未対応 ${n} 件`,
  },
  common: {
    loading: '読み込んでいます…',
    retry: 'もう一度試す',
    cancel: 'キャンセル',
    copy: 'コピー',
    copied: 'コピーしました',
    copyFailed: 'コピーできませんでした。文字を選択してコピーしてください。',
    none: 'なし',
    unknown: '不明',
    technicalDetails: '詳しい情報（技術者向け）',
    automatic: '自動',
    byYou: 'あなたの操作',
  },
  severity: {
    critical: '緊急',
    high: '高',
    medium: '中',
    low: '低',
    informational: '情報',
  },
  state: {
    protected: '保護されています',
    attention: '確認が必要です',
    paused: '保護を一時停止しています',
    degraded: '保護が十分に働いていません',
  },
  stateExplain: {
    protected: 'Mamori はフォルダーを見守っています。対応が必要なものは見つかっていません。',
    attention: 'Mamori が問題を見つけました。警告を開いて、対応方法を確認してください。',
    paused: '一時停止中は、ファイルのチェックを行いません。',
    degraded: 'Mamori の一部が止まっています。ファイルがチェックされない可能性があります。',
  },
  reason: {
    'open-alerts': 'まだ確認していない警告があります。',
    paused: 'リアルタイム保護を一時停止しています。',
    'sensor-failed': 'ファイルを見守る機能の一部が止まっています。',
    'no-watched-folders': '見守るフォルダーがありません。設定で追加してください。',
    'database-recovered': 'Mamori は問題の後にデータベースを修復しました。履歴の一部が失われている可能性があります。',
  },
  overview: {
    title: '概要',
    resumesAt: (time) => `${time} に自動で再開します。`,
    scan: 'スキャン',
    pause15: '15 分間一時停止',
    resume: '保護を再開',
    openAlerts: '未対応の警告',
    noOpenAlerts: '未対応の警告はありません',
    quarantined: '隔離中のファイル',
    lastScan: '前回のスキャン',
    neverScanned: 'まだスキャンしていません',
    lastScanSummary: (files, findings) => `${files} 個のファイルを確認、${findings} 件見つかりました`,
    chartTitle: '過去 14 日間の警告',
    chartLabel: (total, days) => `過去 ${days} 日間の警告は ${total} 件です`,
    chartEmpty: '過去 14 日間に警告はありません。',
    watched: '見守っているフォルダー',
    noWatched: 'なし',
    sensors: 'センサー',
    reasons: '状態の理由',
    version: 'バージョン',
    dataDir: 'データの保存先',
    viewAlerts: '警告を見る',
    viewQuarantine: '隔離を見る',
  },
  alerts: {
    title: '警告',
    filterLabel: '表示',
    filterOpen: '未対応',
    filterResolved: '対応済み',
    filterAll: 'すべて',
    empty: '該当する警告はありません。',
    emptyOpen: '未対応の警告はありません。今は何もする必要はありません。',
    colSeverity: '重要度',
    colTime: '日時',
    colWhat: '内容',
    colStatus: '状態',
    statusOpen: '未対応',
    statusResolved: '対応済み',
    seenTimes: (n) => `${n} 回検出`,
    total: (shown, total) => `${total} 件中 ${shown} 件を表示`,
  },
  detail: {
    backToList: '警告の一覧',
    notFound: 'この警告は見つかりません（削除された可能性があります）。',
    q1: '何が起きたか',
    q2: 'Mamori が行ったこと',
    q3: 'あなたがすること',
    q4: '元に戻す方法',
    when: (time) => `${time} に見つかりました。`,
    repeated: (n, last) => `${n} 回見つかりました。最後は ${last} です。`,
    fromScan: 'スキャンで見つかりました。',
    fromRealtime: 'フォルダーの見守り中に見つかりました。',
    nothingDone: 'Mamori はファイルを変更していません。自動隔離がオフになっている可能性があります。',
    action: {
      quarantine: {
        succeeded: 'ファイルを隔離しました。隔離中のファイルは実行も開くこともできません。',
        failed: 'ファイルを隔離しようとしましたが、失敗しました。',
        undone: 'ファイルを隔離しました（後で元に戻されました）。',
      },
      restore: {
        succeeded: 'ファイルを元の場所に戻しました。',
        failed: 'ファイルを元に戻そうとしましたが、失敗しました。',
        undone: 'ファイルを元に戻しました（後で取り消されました）。',
      },
      delete: {
        succeeded: '隔離したファイルを完全に削除しました。',
        failed: '隔離したファイルを削除しようとしましたが、失敗しました。',
        undone: '隔離したファイルを削除しました（後で取り消されました）。',
      },
    },
    actionWho: (time, who) => `${time}（${who}）`,
    actionError: (msg) => `理由: ${msg}`,
    noAdvice: 'これ以上の対応は必要ありません。この警告を「対応済み」にしてください。',
    undoRestore: 'ファイルを元に戻す',
    undoRestoreHint: '安全だと確信できる場合（よく知っているファイルの誤検知など）だけ、元に戻してください。',
    undoNothing: 'Mamori はファイルを変更していないため、元に戻すものはありません。',
    undoRestored: (path, time) => `ファイルは ${path} に戻されています（${time}）。`,
    undoDeleted: '隔離したファイルは削除済みのため、元に戻せません。',
    undoFailedQuarantine: 'ファイルは隔離されていないため、元に戻すものはありません。',
    markResolved: '対応済みにする',
    reopen: '未対応に戻す',
    resolvedNote: 'この警告は対応済みです。',
    tech: {
      rule: 'ルール',
      engine: '検出方法',
      engineHash: '既知のファイルの指紋（SHA-256）',
      engineContent: '内容のパターン',
      signature: 'シグネチャ',
      path: 'パス',
      sha256: 'SHA-256',
      size: 'サイズ',
      firstSeen: '最初の検出',
      lastSeen: '最後の検出',
      alertId: '警告 ID',
      scanId: 'スキャン ID',
      raw: '警告の元データ（JSON）',
    },
  },
  restore: {
    done: (path) => `${path} に戻しました。`,
    exists: (path) => `${path} には既に別のファイルがあります。Mamori は上書きしません。`,
    asNewName: '別の名前で元に戻す',
    failed: (msg) => `ファイルを元に戻せませんでした: ${msg}`,
  },
  quarantine: {
    title: '隔離',
    intro: 'Mamori が安全な場所へ移したファイルです。ここにある間は、実行も開くこともできません。',
    showInactive: '元に戻したファイルと削除したファイルも表示する',
    empty: '隔離中のファイルはありません。',
    colName: 'ファイル',
    colOriginal: '元の場所',
    colSize: 'サイズ',
    colDetection: '検出内容',
    colDate: '隔離した日時',
    colState: '状態',
    colActions: '操作',
    state: {
      quarantined: '隔離中',
      restored: '元に戻し済み',
      deleted: '削除済み',
    },
    restore: '元に戻す',
    delete: '削除',
    confirmTitle: 'このファイルを完全に削除しますか？',
    confirmBody: (name) => `隔離している「${name}」を完全に削除します。`,
    confirmBody2: '元のフォルダーには戻りません。この操作は取り消せません。',
    confirmDelete: '完全に削除する',
    deleted: (name) => `「${name}」を削除しました。`,
    deleteFailed: (msg) => `ファイルを削除できませんでした: ${msg}`,
    openAlert: '警告を開く',
  },
  scans: {
    title: 'スキャン',
    intro: 'フォルダーとその中のファイルを、今すぐチェックします。',
    pathLabel: 'スキャンするフォルダー',
    pathHint: 'フルパスで入力してください（例: /home/office/Documents）',
    pathInvalid: '/ で始まるフルパス（または C:\\ のようなドライブ名から）を入力してください。',
    start: 'スキャン開始',
    scanWatched: '見守り中のフォルダーをスキャン',
    running: 'スキャン中です',
    counting: 'ファイルを数えています…',
    filesDone: (done, total) => `${total} 個中 ${done} 個のファイル`,
    filesDoneNoTotal: (done) => `${done} 個のファイルを確認済み`,
    bytesDone: (done, total) => `${total} 中 ${done}`,
    current: (folder) => `確認中: ${folder}`,
    eta: (text) => `残り約 ${text}`,
    findingsSoFar: (n) => `これまでに ${n} 件見つかりました`,
    cancel: 'スキャンを中止',
    cancelling: '中止しています…',
    finished: (state, files, found) => `スキャン${state}: ${files} 個のファイルを確認し、${found} 件見つかりました。`,
    history: 'スキャンの履歴',
    noHistory: 'まだスキャンしていません。',
    colStart: '開始',
    colEnd: '終了',
    colPaths: 'フォルダー',
    colFiles: 'ファイル数',
    colBytes: 'データ量',
    colFindings: '検出',
    colErrors: 'エラー',
    colState: '状態',
    state: {
      running: '実行中',
      completed: '完了',
      cancelled: '中止',
      failed: '失敗',
    },
    startFailed: (msg) => `スキャンを開始できませんでした: ${msg}`,
  },
  settings: {
    title: '設定',
    language: '表示言語',
    languageAuto: (name) => `自動（システム: ${name}）`,
    languageJa: '日本語',
    languageEn: 'English',
    watched: '見守るフォルダー',
    watchedIntro: 'これらのフォルダーに新しいファイルや変更されたファイルが現れると、すぐにチェックします。',
    watchedEmpty: '見守っているフォルダーはありません。',
    addFolder: 'フォルダーを追加',
    addPlaceholder: '/home/office/Documents',
    remove: '削除',
    removeLabel: (path) => `${path} を一覧から削除`,
    already: 'このフォルダーは既に一覧にあります。',
    autoQuarantine: '危険なファイルを自動で隔離する',
    autoQuarantineHint: 'おすすめの設定です。隔離したファイルは「隔離」からいつでも元に戻せます。',
    notify: '通知する重要度',
    notifyHint: 'これより低い重要度のものも「警告」に表示されます。',
    notifyOption: (sev) => `${sev}以上`,
    saved: '保存しました。',
    saveFailed: (msg) => `保存できませんでした: ${msg}`,
  },
  units: {
    bytes: (n) => `${n} バイト`,
    kb: (n) => `${n} KB`,
    mb: (n) => `${n} MB`,
    gb: (n) => `${n} GB`,
    seconds: (n) => `${n} 秒`,
    minutes: (n) => `${n} 分`,
    hours: (n) => `${n} 時間`,
  },
  auth: {
    title: 'Mamori 専用のリンクから開いてください',
    body: 'このページを開くには、Mamori エージェントの起動時に表示された専用のリンクが必要です。',
    how: 'Mamori を動かしているパソコンで「mamori agent」の出力を確認し、http://127.0.0.1 で始まり #token= を含むアドレスを開いてください。',
    expired: 'このリンクは使えなくなりました（エージェントが再起動した可能性があります）。「mamori agent」が表示した新しいリンクを開いてください。',
  },
  errors: {
    offline: 'Mamori に接続できません。Mamori が動いているか確認してください。',
    generic: (msg) => `問題が発生しました: ${msg}`,
    dismiss: '閉じる',
  },
  notFound: 'このページはありません。',
};

export const dictionaries: Record<Lang, Messages> = { en, ja };

/** 'auto' follows the browser/OS language: ja* -> ja, anything else -> en. */
export function resolveLanguage(setting: LanguageSetting | undefined, navigatorLanguage: string | undefined): Lang {
  if (setting === 'en' || setting === 'ja') return setting;
  return (navigatorLanguage ?? '').toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/** The BCP 47 locale used for Intl: the user's own locale when it matches the UI language. */
export function localeFor(lang: Lang, navigatorLanguage: string | undefined): string {
  const nav = navigatorLanguage ?? '';
  if (nav.toLowerCase().startsWith(lang)) return nav;
  return lang === 'ja' ? 'ja-JP' : 'en-US';
}

/** Formatting helpers bound to one language and locale. */
export interface Formatter {
  lang: Lang;
  locale: string;
  t: Messages;
  number(n: number): string;
  bytes(n: number): string;
  dateTime(iso: string | number | Date): string;
  time(iso: string | number | Date): string;
  shortDay(day: string): string;
  duration(seconds: number): string;
}

export function createFormatter(lang: Lang, locale: string, timeZone?: string): Formatter {
  const t = dictionaries[lang];
  const num = new Intl.NumberFormat(locale);
  const dec = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, minimumFractionDigits: 0 });
  const tzOpt = timeZone ? { timeZone } : {};
  const dt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...tzOpt });
  const tm = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', ...tzOpt });
  // Chart days are calendar days ("2025-11-25"), not instants: format them in UTC so they never shift.
  const day = new Intl.DateTimeFormat(locale, { month: 'numeric', day: 'numeric', timeZone: 'UTC' });
  const toDate = (v: string | number | Date): Date => (v instanceof Date ? v : new Date(v));
  const safe = (f: Intl.DateTimeFormat, v: string | number | Date): string => {
    const d = toDate(v);
    return Number.isNaN(d.getTime()) ? String(v) : f.format(d);
  };
  return {
    lang,
    locale,
    t,
    number: (n) => num.format(n),
    bytes: (n) => formatBytes(n, t, num, dec),
    dateTime: (v) => safe(dt, v),
    time: (v) => safe(tm, v),
    shortDay: (d) => {
      const parsed = new Date(`${d.slice(0, 10)}T00:00:00Z`);
      return Number.isNaN(parsed.getTime()) ? d : day.format(parsed);
    },
    duration: (seconds) => formatDuration(seconds, t, num),
  };
}

const KB = 1024;
const MB = 1024 * 1024;
const GB = 1024 * 1024 * 1024;

function formatBytes(n: number, t: Messages, num: Intl.NumberFormat, dec: Intl.NumberFormat): string {
  if (!Number.isFinite(n) || n < 0) return t.common.unknown;
  if (n < KB) return t.units.bytes(num.format(n));
  if (n < MB) return t.units.kb(dec.format(n / KB));
  if (n < GB) return t.units.mb(dec.format(n / MB));
  return t.units.gb(dec.format(n / GB));
}

function formatDuration(seconds: number, t: Messages, num: Intl.NumberFormat): string {
  if (!Number.isFinite(seconds) || seconds < 0) return t.common.unknown;
  if (seconds < 60) return t.units.seconds(num.format(Math.max(1, Math.round(seconds))));
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return t.units.minutes(num.format(minutes));
  return t.units.hours(num.format(Math.round(minutes / 60)));
}

/** The last component of a path, for either separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** True for '/x' and 'C:\x' / 'C:/x' (the contract's AbsPath rule). */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
}
