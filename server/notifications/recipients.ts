import type { Locale } from '../../runtime/common/types.js';
import type { TicketState } from '../../runtime/engine/types.js';
import type { Role } from '../access/roles.js';
import { isUserId, type Person, type PeopleDirectory } from './people-directory.js';

/** One person or address a message goes to, with what rendering and delivery need. */
export interface Addressee {
  /** What the outbox id and the deliveries list name: a user id, or an email address. */
  key: string;
  kind: 'user' | 'address';
  userId: string | null;
  /** Where email goes; null for users without an address. */
  email: string | null;
  name: string;
  locale: Locale;
  roles: Role[];
}

/**
 * What effects carry in `recipients`: the resolved forms of runtime/flow/nodes/notify.node.ts (`{user}`, `{role}`,
 * `{team}`, `{email}`, `{supervisorOf}`), the relative words some nodes send unresolved (`requester`, `assignee`,
 * `watchers`, `supervisor`), and `{address}` as a synonym of `{email}`.
 */
export type RecipientRef =
  | 'requester'
  | 'assignee'
  | 'watchers'
  | 'supervisor'
  | { user: string }
  | { role: string }
  | { team: string }
  | { email: string }
  | { address: string }
  | { supervisorOf: string };

const DEFAULT_LOCALE: Locale = 'zh-CN';
const isLocale = (value: unknown): value is Locale => value === 'zh-CN' || value === 'en';
const looksLikeEmail = (value: string) => /^[^\s@]+@[^\s@]+$/.test(value);

/**
 * Expand an effect's recipients into people and addresses for this ticket: teams and roles become their active
 * members, the supervisor is the ticket team's, unknown or deactivated people are dropped, and each person or
 * address appears once.
 */
export async function resolveAddressees(
  people: PeopleDirectory,
  state: TicketState,
  recipients: readonly unknown[],
): Promise<Addressee[]> {
  const userIds: string[] = [];
  const addresses: string[] = [];
  const roles: string[] = [];
  const teamMembers: string[] = [];
  const supervisorsOf: string[] = [];

  const addPerson = (value: unknown) => {
    if (typeof value !== 'string' || value === '') return;
    if (isUserId(value)) userIds.push(value.toLowerCase());
    else if (looksLikeEmail(value)) addresses.push(value.trim().toLowerCase());
  };

  for (const recipient of recipients) {
    if (recipient === 'requester') {
      const { id, email } = state.requester;
      if (isUserId(id)) userIds.push(id.toLowerCase());
      else if (email) addresses.push(email.toLowerCase());
    } else if (recipient === 'assignee') addPerson(state.assignee);
    else if (recipient === 'watchers') state.watchers.forEach(addPerson);
    else if (recipient === 'supervisor') {
      if (state.team) supervisorsOf.push(state.team);
    } else if (typeof recipient === 'object' && recipient !== null) {
      const ref = recipient as Record<string, unknown>;
      if (typeof ref.user === 'string') addPerson(ref.user);
      else if (typeof ref.email === 'string') addPerson(ref.email);
      else if (typeof ref.address === 'string') addPerson(ref.address);
      else if (typeof ref.role === 'string') roles.push(ref.role);
      else if (typeof ref.team === 'string') teamMembers.push(ref.team);
      else if (typeof ref.supervisorOf === 'string') supervisorsOf.push(ref.supervisorOf);
    }
  }

  const teamKeys = new Set([...teamMembers, ...supervisorsOf]);
  if (teamKeys.size > 0) {
    for (const team of await people.teams()) {
      if (!teamKeys.has(team.key)) continue;
      if (supervisorsOf.includes(team.key) && team.supervisor) userIds.push(team.supervisor);
      if (teamMembers.includes(team.key)) userIds.push(...team.members);
    }
  }

  // One read by `_id` per person (cached briefly), not one `$in` query: the embedded store answers only the
  // former without reading every user.
  const [named, holders] = await Promise.all([
    Promise.all([...new Set(userIds)].map((id) => people.user(id))),
    Promise.all([...new Set(roles)].map((role) => people.withRole(role))),
  ]);
  const users = [...named, ...holders.flat()].filter((user): user is Person => user !== null && user.active);

  const out: Addressee[] = [];
  const seen = new Set<string>();
  const seenEmails = new Set<string>();
  for (const user of users) {
    const key = user.id;
    if (seen.has(key)) continue;
    seen.add(key);
    const email = user.email ? user.email.toLowerCase() : null;
    if (email) seenEmails.add(email);
    out.push({
      key,
      kind: 'user',
      userId: key,
      email,
      name: user.displayName,
      locale: isLocale(user.locale) ? user.locale : DEFAULT_LOCALE,
      roles: user.roles,
    });
  }
  // An address that belongs to a person already on the list is that person: one message, not two.
  for (const address of new Set(addresses)) {
    if (seenEmails.has(address)) continue;
    seenEmails.add(address);
    const isRequester = state.requester.email?.toLowerCase() === address;
    out.push({
      key: address,
      kind: 'address',
      userId: null,
      email: address,
      name: isRequester && state.requester.name ? state.requester.name : address,
      locale: isRequester && isLocale(state.requester.locale) ? state.requester.locale : DEFAULT_LOCALE,
      roles: [],
    });
  }
  return out;
}

/** True when this addressee is the ticket's requester (the one signed links are for). */
export function isRequesterAddressee(addressee: Addressee, state: TicketState): boolean {
  if (addressee.userId !== null) return addressee.userId === state.requester.id.toLowerCase();
  return addressee.email !== null && addressee.email === state.requester.email?.toLowerCase();
}
