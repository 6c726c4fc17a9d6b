// The audit log in sentences: who did what to whom, by name ("Dana
// Whitfield published K-2 Look-fors v2 for Cedar Hollow Elementary"), from
// an entry's action and detail. Pure, so that a unit test reads it.
import type { AuditEntry } from '../api/types';
import { kindLabels, listWords } from './reach';

export interface Names {
  /** A user's name; "the system" when there is no id. */
  user(id: string | undefined): string;
  school(id: string): string;
  teacher(id: string): string;
}

const roleWords: Record<string, string> = {
  district_admin: 'a district administrator',
  supervisor: 'a principal supervisor',
  principal: 'a principal',
  coach: 'a coach',
  observer: 'an observer',
  teacher: 'a teacher',
};

const changeWords: Record<string, string> = { name: 'renamed', activate: 'reactivated', deactivate: 'deactivated', password_reset: 'password reset' };

type Detail = Record<string, unknown>;

const str = (d: Detail, k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
const num = (d: Detail, k: string) => (typeof d[k] === 'number' ? (d[k] as number) : 0);
const list = (d: Detail, k: string) => (Array.isArray(d[k]) ? (d[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);

function where(d: Detail, n: Names): string {
  const schools = list(d, 'school_ids');
  return schools.length === 0 ? 'every school' : listWords(schools.map((id) => n.school(id)));
}

function kinds(d: Detail): string {
  const ks = list(d, 'kinds');
  return ks.length === 0 ? '' : ` for ${listWords(ks.map((k) => kindLabels[k] ?? k))}`;
}

function counts(d: Detail, key: string): string {
  const c = (d[key] ?? {}) as Detail;
  const parts = [`${num(c, 'created')} added`, `${num(c, 'updated')} changed`];
  if (num(c, 'deactivated') > 0) parts.push(`${num(c, 'deactivated')} deactivated`);
  return parts.join(', ');
}

function framework(d: Detail): string {
  const name = str(d, 'name') || 'a framework';
  return d['version'] === undefined ? name : `${name} v${num(d, 'version')}`;
}

/** One entry as a sentence. */
export function auditSentence(e: AuditEntry, n: Names): string {
  const who = n.user(e.actor_id);
  const d = (e.detail ?? {}) as Detail;
  const subject = e.entity_id ?? '';
  switch (e.action) {
    case 'auth.login':
      return `${who} signed in`;
    case 'auth.login_failed':
      return `A sign-in as ${who} failed`;
    case 'auth.logout':
      return `${who} signed out`;
    case 'auth.refresh_reuse':
      return `A session of ${who} was used twice, so all of their sessions were ended`;
    case 'user.create':
      return `${who} added ${n.user(subject)}`;
    case 'user.create_first_admin':
      return `${who} became the district's first administrator`;
    case 'user.update': {
      const changes = list(d, 'changes').map((c) => changeWords[c] ?? c.replaceAll('_', ' '));
      return `${who} changed ${n.user(subject)}${changes.length ? `: ${listWords(changes)}` : ''}`;
    }
    case 'role.grant':
    case 'role.revoke': {
      const role = roleWords[str(d, 'role')] ?? str(d, 'role');
      const at = str(d, 'school_id') ? `at ${n.school(str(d, 'school_id'))}` : 'for the whole district';
      return e.action === 'role.grant' ? `${who} made ${n.user(subject)} ${role} ${at}` : `${who} no longer has ${n.user(subject)} as ${role} ${at}`;
    }
    case 'device.sign_out':
      return `${who} signed ${n.user(subject)} out of a device`;
    case 'rubric.draft':
      return `${who} started a draft of ${framework(d)}`;
    case 'rubric.edit':
      return `${who} edited a draft framework`;
    case 'rubric.publish':
      if (d['every_school'] === true) return `${who} published ${framework(d)} for every school`;
      if (d['every_school'] === false && list(d, 'school_ids').length === 0) return `${who} published ${framework(d)}, assigned to no school yet`;
      if (d['every_school'] === false) return `${who} published ${framework(d)} for ${where(d, n)}`;
      return `${who} published ${framework(d)}`;
    case 'framework.assign':
      return `${who} assigned ${str(d, 'name')} to ${where(d, n)}${kinds(d)}`;
    case 'framework.rollback':
      return `${who} rolled back ${str(d, 'name')} at ${where(d, n)}${kinds(d)}`;
    case 'framework.retire':
      return `${who} retired ${str(d, 'name')}`;
    case 'framework.main':
      return str(d, 'previous_name')
        ? `${who} made ${str(d, 'name')} the district's main framework in place of ${str(d, 'previous_name')}${d['kept_previous'] === true ? `, keeping ${str(d, 'previous_name')} on offer at every school` : ''}`
        : `${who} made ${str(d, 'name')} the district's main framework`;
    case 'roster.import': {
      const kind = str(d, 'kind') || 'roster';
      const mode = str(d, 'mode') === 'full' ? 'a full' : 'an add-and-update';
      return `${who} imported ${mode} ${kind} file: ${counts(d, kind)}`;
    }
    case 'roster.undo':
      return `${who} undid a roster import: ${num(d, 'reactivated')} reactivated, ${num(d, 'deactivated')} deactivated, ${num(d, 'restored')} changed back${num(d, 'kept') ? `, ${num(d, 'kept')} kept as changed since` : ''}`;
    case 'school.create':
      return `${who} added the school ${str(d, 'name') || n.school(subject)}`;
    case 'school.update':
      return `${who} changed the school ${n.school(subject)}`;
    case 'teacher.create':
      return `${who} added the teacher ${n.teacher(subject)}`;
    case 'teacher.update':
      return `${who} changed the teacher ${n.teacher(subject)}`;
    case 'district.update': {
      const what = Object.keys(d).map((k) => k.replaceAll('_', ' '));
      return `${who} changed the district settings${what.length ? `: ${listWords(what)}` : ''}`;
    }
    case 'district.create':
      return `${who} created the district`;
    case 'demo.load':
      return 'The demo district was loaded';
    case 'audit.export':
      return `${who} exported the audit log`;
    default:
      return `${who}: ${e.action.replaceAll('.', ' ').replaceAll('_', ' ')}`;
  }
}
