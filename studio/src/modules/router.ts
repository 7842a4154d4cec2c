/**
 * Routes and the auth guard. Every page but the login page needs a session; `meta.roles` narrows a page to
 * some roles (the server checks again — this only keeps people away from pages that would answer 403).
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { onUnauthorized } from '../api/client';
import type { Role } from '../api/types';
import { useAuthStore } from '../stores/auth.store';
import { piniaModule } from './pinia';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    /** Only these roles may open the page. */
    roles?: readonly Role[];
    /** i18n key of the page title (browser tab). */
    titleKey?: string;
  }
}

const ADMIN: readonly Role[] = ['admin'];
const STAFF: readonly Role[] = ['admin', 'agent'];
const DESIGNERS: readonly Role[] = ['admin', 'designer'];

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('../pages/LoginPage.vue'),
    meta: { public: true, titleKey: 'login.title' },
  },
  // Behind the signed links in emails: no session, no app shell; the token in the path is the credential.
  {
    path: '/public/confirm/:token',
    name: 'public-confirm',
    component: () => import('../pages/public/ConfirmPage.vue'),
    meta: { public: true, titleKey: 'publicPages.confirm.title' },
  },
  {
    path: '/public/survey/:token',
    name: 'public-survey',
    component: () => import('../pages/public/SurveyPage.vue'),
    meta: { public: true, titleKey: 'publicPages.survey.title' },
  },
  // The help center: public articles, no sign-in, no app shell.
  {
    path: '/help',
    name: 'help',
    component: () => import('../pages/help/HelpCenterPage.vue'),
    meta: { public: true, titleKey: 'knowledge.help.title' },
  },
  {
    path: '/help/articles/:id',
    name: 'help-article',
    component: () => import('../pages/help/HelpArticlePage.vue'),
    meta: { public: true, titleKey: 'knowledge.help.title' },
  },
  {
    path: '/',
    component: () => import('../components/AppShell.vue'),
    children: [
      {
        path: '',
        name: 'home',
        component: () => import('../pages/HomePage.vue'),
        meta: { titleKey: 'nav.workbench' },
      },
      {
        path: 'tickets',
        name: 'tickets',
        component: () => import('../pages/tickets/TicketQueuePage.vue'),
        meta: { roles: STAFF, titleKey: 'nav.ticketQueue' },
      },
      {
        path: 'tickets/mine',
        name: 'tickets-mine',
        component: () => import('../pages/tickets/MyRequestsPage.vue'),
        meta: { titleKey: 'nav.myRequests' },
      },
      {
        path: 'tickets/approvals',
        name: 'tickets-approvals',
        component: () => import('../pages/tickets/MyWorkPage.vue'),
        props: { kind: 'approval' },
        meta: { roles: STAFF, titleKey: 'nav.myApprovals' },
      },
      {
        path: 'tickets/steps',
        name: 'tickets-steps',
        component: () => import('../pages/tickets/MyWorkPage.vue'),
        props: { kind: 'step' },
        meta: { roles: STAFF, titleKey: 'nav.mySteps' },
      },
      {
        path: 'tickets/new',
        name: 'ticket-new',
        component: () => import('../pages/tickets/NewTicketPage.vue'),
        meta: { titleKey: 'nav.newTicket' },
      },
      {
        // The same address the server writes into notification emails.
        path: 'tickets/:id',
        name: 'ticket-detail',
        component: () => import('../pages/tickets/TicketDetailPage.vue'),
        meta: { titleKey: 'nav.tickets' },
      },
      {
        path: 'designer',
        name: 'designer',
        component: () => import('../pages/designer/DesignerListPage.vue'),
        meta: { roles: DESIGNERS, titleKey: 'nav.designer' },
      },
      {
        path: 'designer/:key',
        name: 'designer-type',
        component: () => import('../pages/designer/DesignerWorkspacePage.vue'),
        meta: { roles: DESIGNERS, titleKey: 'nav.designer' },
      },
      {
        // Not under /designer/: a ticket type may be keyed `calendars`.
        path: 'calendars',
        name: 'calendars',
        component: () => import('../pages/admin/CalendarsPage.vue'),
        meta: { roles: DESIGNERS, titleKey: 'nav.calendars' },
      },
      { path: 'admin', redirect: { name: 'admin-users' } },
      {
        path: 'admin/users',
        name: 'admin-users',
        component: () => import('../pages/admin/UsersPage.vue'),
        meta: { roles: ADMIN, titleKey: 'nav.users' },
      },
      {
        path: 'admin/teams',
        name: 'admin-teams',
        component: () => import('../pages/admin/TeamsPage.vue'),
        meta: { roles: ADMIN, titleKey: 'nav.teams' },
      },
      {
        path: 'supervisor',
        name: 'supervisor-board',
        component: () => import('../pages/supervisor/SupervisorBoardPage.vue'),
        meta: { roles: STAFF, titleKey: 'nav.supervisorBoard' },
      },
      {
        path: 'knowledge',
        name: 'knowledge',
        component: () => import('../pages/knowledge/KnowledgeListPage.vue'),
        meta: { titleKey: 'nav.knowledge' },
      },
      {
        path: 'knowledge/new',
        name: 'knowledge-new',
        component: () => import('../pages/knowledge/ArticlePage.vue'),
        meta: { roles: ['admin', 'agent', 'designer'], titleKey: 'nav.knowledge' },
      },
      {
        // Synonyms and "create from ticket" templates: the people who look after the knowledge base.
        path: 'knowledge/settings',
        name: 'knowledge-settings',
        component: () => import('../pages/knowledge/KnowledgeSettingsPage.vue'),
        meta: { roles: ['admin', 'designer'], titleKey: 'nav.knowledgeSettings' },
      },
      {
        // The address a ticket's link to its article points at.
        path: 'knowledge/:id',
        name: 'knowledge-article',
        component: () => import('../pages/knowledge/ArticlePage.vue'),
        meta: { titleKey: 'nav.knowledge' },
      },
      {
        path: 'analytics',
        name: 'analytics',
        component: () => import('../pages/analytics/AnalyticsPage.vue'),
        meta: { roles: STAFF, titleKey: 'nav.analytics' },
      },
      {
        path: 'audit',
        name: 'audit',
        component: () => import('../pages/admin/AuditPage.vue'),
        meta: { roles: STAFF, titleKey: 'nav.audit' },
      },
      {
        path: 'admin/templates',
        name: 'admin-templates',
        component: () => import('../pages/admin/TemplatesPage.vue'),
        meta: { roles: ADMIN, titleKey: 'nav.templates' },
      },
      {
        path: 'admin/api-keys',
        name: 'admin-api-keys',
        component: () => import('../pages/admin/ApiKeysPage.vue'),
        meta: { roles: ADMIN, titleKey: 'nav.apiKeys' },
      },
      {
        path: 'admin/channels/records',
        name: 'admin-channel-records',
        component: () => import('../pages/admin/channels/RecordsPage.vue'),
        meta: { roles: ADMIN, titleKey: 'nav.channelRecords' },
      },
      {
        path: 'admin/channels/mail',
        name: 'admin-channel-mail',
        component: () => import('../pages/admin/channels/MailChannelPage.vue'),
        meta: { roles: ADMIN, titleKey: 'nav.channelMail' },
      },
      {
        path: 'admin/channels/alerts',
        name: 'admin-channel-alerts',
        component: () => import('../pages/admin/channels/AlertChannelsPage.vue'),
        meta: { roles: ADMIN, titleKey: 'nav.channelAlerts' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('../pages/NotFoundPage.vue'),
        meta: { titleKey: 'notFound.title' },
      },
    ],
  },
];

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.beforeEach(async (to) => {
  // Signed-link pages never ask who is signed in: a requester opening one from an email may have no account here.
  if (to.meta.public && to.name !== 'login') return true;
  const auth = useAuthStore(piniaModule);
  await auth.ensureLoaded();
  if (to.meta.public) return to.name === 'login' && auth.isSignedIn ? { name: 'home' } : true;
  if (!auth.isSignedIn) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  }
  // A page the role may not open is treated as one that is not there: no dead ends, no hints. A requester who
  // follows a link to the queue gets their own requests instead.
  if (to.meta.roles && !auth.hasAnyRole(to.meta.roles))
    return to.name === 'tickets' ? { name: 'tickets-mine' } : { name: 'home' };
  return true;
});

// A session that ends while the studio is open (expiry, logout in another tab) sends the user to log in again
// and back to where they were afterwards.
onUnauthorized(() => {
  const auth = useAuthStore(piniaModule);
  if (!auth.isSignedIn) return;
  auth.forget();
  const current = router.currentRoute.value;
  void router.replace({ name: 'login', query: { redirect: current.fullPath, expired: '1' } });
});

export const routerModule = router;
