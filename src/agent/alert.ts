/**
 * What the agent tells: the difference between two summaries of one account and the alert that difference
 * makes (one alert per change, none for an unchanged check). Pure functions: no I/O, no clock.
 */
import { translator, type Lang, type Translator } from '../i18n/index.js';
import type { CheckReport } from '../report/types.js';
import { settingKey, type AccountSummary, type NetworkLabel, type RunReason, type SettingSummary, type WorkingSettings } from './summary.js';

export type ChangeField = 'sending' | 'receiving' | 'outgoing' | 'incoming' | 'hybrid';

export interface Change {
  field: ChangeField;
  from: string;
  to: string;
}

/** What differs between two summaries of one account. `previous` undefined: the first check ever. */
export function diffSummaries(previous: AccountSummary | undefined, current: AccountSummary): Change[] {
  if (!previous) {
    // First sight of the account: only what is broken is news.
    return (['sending', 'receiving'] as const).filter((f) => current.status[f] === 'fails').map((field) => ({ field, from: 'unknown', to: 'fails' }));
  }
  const changes: Change[] = [];
  for (const f of ['sending', 'receiving'] as const) {
    if (previous.status[f] !== current.status[f]) changes.push({ field: f, from: previous.status[f], to: current.status[f] });
  }
  for (const f of ['outgoing', 'incoming'] as const) {
    const a = settingKey(previous.recommendation[f]);
    const b = settingKey(current.recommendation[f]);
    if (a !== b) changes.push({ field: f, from: a, to: b });
  }
  if (previous.recommendation.hybrid !== current.recommendation.hybrid) {
    changes.push({ field: 'hybrid', from: String(previous.recommendation.hybrid), to: String(current.recommendation.hybrid) });
  }
  return changes;
}

export type AlertKind = 'broken' | 'recovered' | 'settings-changed';

/** One alert per change of an account's state. Never holds a password (see Redactor for the second line of defence). */
export interface Alert {
  /** Unique per alert, for idempotent receivers. */
  id: string;
  time: string;
  kind: AlertKind;
  severity: 'error' | 'warning' | 'info';
  account: string;
  /** The language of `summary` and of the findings' summaries: the agent's (its config's `lang`, else the locale). */
  lang: Lang;
  /** One line for a notification title or a chat message, in `lang`. */
  summary: string;
  changes: Change[];
  reason: RunReason;
  status: CheckReport['status'];
  recommendation: AccountSummary['recommendation'];
  previous?: { status: CheckReport['status']; recommendation: AccountSummary['recommendation']; network: NetworkLabel };
  network: NetworkLabel;
  /** What last worked on this network, when the account is broken here now. */
  lastWorkingHere?: WorkingSettings;
  findings: AccountSummary['findings'];
}

export function alertKind(changes: Change[]): AlertKind {
  const status = changes.filter((c) => c.field === 'sending' || c.field === 'receiving');
  if (status.some((c) => c.to === 'fails')) return 'broken';
  if (status.some((c) => c.from === 'fails')) return 'recovered';
  return 'settings-changed';
}

/** A setting as an alert shows it (`settingKey`'s words, in the reader's language): `host:port SSL/TLS, password`. */
export function settingText(s: SettingSummary | undefined, t: Translator): string {
  if (!s) return t.text('alert.noSetting');
  return t.text('alert.setting', { host: s.host, port: s.port, security: { msg: `security.${s.security}` }, auth: s.auth });
}

function headline(kind: AlertKind, current: AccountSummary, changes: Change[], t: Translator): string {
  const account = current.address;
  const provider = current.network.provider ?? 'none';
  const fields = (list: ChangeField[]): { msg: string }[] => list.map((f) => ({ msg: `alert.field.${f}` }));
  const broken = changes.filter((c) => c.to === 'fails').map((c) => c.field);
  const recovered = changes.filter((c) => c.from === 'fails').map((c) => c.field);
  if (kind === 'broken') return t.text('alert.broken', { account, count: broken.length, fields: fields(broken), provider });
  const out = current.recommendation.outgoing;
  if (kind === 'recovered') {
    return t.text('alert.recovered', { account, count: recovered.length, fields: fields(recovered), provider, out: out ? settingText(out, t) : 'none' });
  }
  if (changes.some((c) => c.field === 'outgoing' || c.field === 'hybrid')) {
    return t.text('alert.sendThrough', { account, setting: settingText(out, t), hybrid: current.recommendation.hybrid ? 'yes' : 'no', provider });
  }
  return t.text('alert.receiveFrom', { account, setting: settingText(current.recommendation.incoming, t) });
}

/** The alert for a change, or undefined when nothing changed (one alert per change, none per unchanged check). */
export function buildAlert(
  previous: AccountSummary | undefined,
  current: AccountSummary,
  context: { id: string; lastWorkingHere?: WorkingSettings; lang?: Lang },
): Alert | undefined {
  const changes = diffSummaries(previous, current);
  if (changes.length === 0) return undefined;
  const kind = alertKind(changes);
  const lang = context.lang ?? 'en';
  return {
    id: context.id,
    time: current.checkedAt,
    kind,
    severity: kind === 'broken' ? 'error' : kind === 'settings-changed' ? 'warning' : 'info',
    account: current.address,
    lang,
    summary: headline(kind, current, changes, translator(lang)),
    changes,
    reason: current.reason,
    status: current.status,
    recommendation: current.recommendation,
    ...(previous ? { previous: { status: previous.status, recommendation: previous.recommendation, network: previous.network } } : {}),
    network: current.network,
    ...(kind === 'broken' && context.lastWorkingHere ? { lastWorkingHere: context.lastWorkingHere } : {}),
    findings: current.findings,
  };
}
