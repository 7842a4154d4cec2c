/**
 * The side menu. Every capability of the product has its place here; an entry shows only when its page exists
 * (its route is registered) and the user holds one of its roles — so nothing points at a page still to come.
 */
import type { Component } from 'vue';
import type { Router } from 'vue-router';
import {
  Bell,
  Calendar,
  CirclePlus,
  Connection,
  Collection,
  DataAnalysis,
  DataBoard,
  Document,
  EditPen,
  Finished,
  Files,
  House,
  Key,
  Lock,
  List,
  Management,
  Message,
  Setting,
  Stamp,
  Tickets,
  User,
  UserFilled,
} from '@element-plus/icons-vue';
import type { Role } from './api/types';

export interface NavigationEntry {
  /** i18n key of the label. */
  titleKey: string;
  icon: Component;
  /** Who sees it; absent = everyone signed in. */
  roles?: readonly Role[];
  /** Route name; the entry is hidden until a route by that name exists. */
  route?: string;
  children?: NavigationEntry[];
}

export const NAVIGATION: readonly NavigationEntry[] = [
  { titleKey: 'nav.workbench', icon: House, route: 'home' },
  {
    titleKey: 'nav.tickets',
    icon: Tickets,
    roles: ['admin', 'agent', 'requester'],
    children: [
      { titleKey: 'nav.ticketQueue', icon: List, route: 'tickets', roles: ['admin', 'agent'] },
      { titleKey: 'nav.myApprovals', icon: Stamp, route: 'tickets-approvals', roles: ['admin', 'agent'] },
      { titleKey: 'nav.mySteps', icon: Finished, route: 'tickets-steps', roles: ['admin', 'agent'] },
      {
        titleKey: 'nav.supervisorBoard',
        icon: DataBoard,
        route: 'supervisor-board',
        roles: ['admin', 'agent'],
      },
      { titleKey: 'nav.myRequests', icon: Document, route: 'tickets-mine' },
      { titleKey: 'nav.newTicket', icon: CirclePlus, route: 'ticket-new' },
    ],
  },
  { titleKey: 'nav.designer', icon: EditPen, route: 'designer', roles: ['admin', 'designer'] },
  { titleKey: 'nav.calendars', icon: Calendar, route: 'calendars', roles: ['admin', 'designer'] },
  { titleKey: 'nav.audit', icon: Lock, route: 'audit', roles: ['admin', 'agent'] },
  { titleKey: 'nav.knowledge', icon: Collection, route: 'knowledge' },
  {
    titleKey: 'nav.knowledgeSettings',
    icon: Management,
    route: 'knowledge-settings',
    roles: ['admin', 'designer'],
  },
  {
    titleKey: 'nav.analytics',
    icon: DataAnalysis,
    route: 'analytics',
    roles: ['admin', 'agent'],
  },
  {
    titleKey: 'nav.admin',
    icon: Setting,
    roles: ['admin'],
    children: [
      { titleKey: 'nav.users', icon: User, route: 'admin-users' },
      { titleKey: 'nav.teams', icon: UserFilled, route: 'admin-teams' },
      { titleKey: 'nav.apiKeys', icon: Key, route: 'admin-api-keys' },
      { titleKey: 'nav.channelRecords', icon: Connection, route: 'admin-channel-records' },
      { titleKey: 'nav.channelMail', icon: Message, route: 'admin-channel-mail' },
      { titleKey: 'nav.channelAlerts', icon: Bell, route: 'admin-channel-alerts' },
      { titleKey: 'nav.templates', icon: Files, route: 'admin-templates' },
    ],
  },
];

/** Resolved menu entry: what the side menu renders. */
export interface MenuEntry {
  titleKey: string;
  icon: Component;
  /** Path of the page, or a unique key for a group. */
  index: string;
  children?: MenuEntry[];
}

export function visibleMenu(
  entries: readonly NavigationEntry[],
  router: Router,
  canSee: (roles: readonly Role[]) => boolean,
): MenuEntry[] {
  const menu: MenuEntry[] = [];
  for (const entry of entries) {
    if (entry.roles && !canSee(entry.roles)) continue;
    if (entry.children) {
      const children = visibleMenu(entry.children, router, canSee);
      if (children.length > 0)
        menu.push({ titleKey: entry.titleKey, icon: entry.icon, index: entry.titleKey, children });
      continue;
    }
    if (entry.route === undefined || !router.hasRoute(entry.route)) continue;
    menu.push({
      titleKey: entry.titleKey,
      icon: entry.icon,
      index: router.resolve({ name: entry.route }).path,
    });
  }
  return menu;
}
