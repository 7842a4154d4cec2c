import type { DeepString } from '../zh-CN';
import type { galleryZh } from './gallery.zh-CN';

/** Texts of the template gallery (Admin › Templates), English. */
export const galleryEn: DeepString<typeof galleryZh> = {
  title: 'Templates',
  subtitle:
    'Install ready-made ticket types by line of business — forms, flows, routing, SLAs and notifications included — then adapt them in the designer',
  loadFailed: 'The templates could not be loaded',
  empty: 'No template packs are available',
  scenario: {
    it: 'IT services',
    hr: 'Human resources',
    admin: 'Administration',
    manufacturing: 'Manufacturing',
    project: 'Projects',
    other: 'Other',
  },
  status: {
    'not-installed': 'Not installed',
    installed: 'Installed {version}',
    'upgrade-available': 'Upgrade available: {installed} → {version}',
    'newer-installed': 'A newer {installed} is installed',
    invalid: 'This pack has problems',
  },
  contents: {
    types: 'Ticket types ({n})',
    teams: 'Teams ({n})',
    calendars: 'Business calendars ({n})',
    sla: '{n} SLA targets',
    steps: '{n} flow steps',
    fields: '{n} form fields',
    roles: 'Roles it uses: {roles}',
    none: 'none',
  },
  actions: {
    preview: 'Preview',
    install: 'Install',
    upgrade: 'Upgrade to {version}',
    remove: 'Remove',
    reinstall: 'Reinstall',
    retry: 'Try again',
    newTicket: 'Submit a ticket',
    designer: 'Open in the designer',
    teams: 'Add team members',
  },
  progress: {
    install:
      'Installing: checking the definitions, creating teams and calendars, publishing the ticket types…',
    upgrade: 'Upgrading: publishing the ticket types that changed; open tickets keep their version…',
    remove: 'Removing…',
  },
  result: {
    installed: 'Installed {version}: {types} ticket types published',
    upgraded: 'Upgraded from {from} to {version}',
    already: 'This version was installed already; nothing changed',
    teamsCreated:
      'Teams created (no members yet): {teams}. Tickets go to these teams’ queues first, so add people to them',
    calendarsCreated: 'Business calendars created: {calendars}',
    removed:
      'Removed: {types} no longer appear in the designer or on Submit a ticket; published versions, teams and calendars stay',
  },
  removeConfirm: {
    title: 'Remove the pack “{name}”?',
    body: 'Its ticket types will be hidden from the designer and from Submit a ticket (published versions, teams and calendars stay, and you can install it again).',
    confirm: 'Remove',
    cancel: 'Cancel',
  },
  inUse: '{count} tickets use this pack’s types ({types}), so it cannot be removed',
  problems: 'This pack has {n} problem(s) and cannot be installed:',
  preview: {
    title: 'Preview: {name}',
    loading: 'Reading the pack…',
    teams: 'Teams',
    teamExists: 'exists',
    teamNew: 'created on install',
    calendars: 'Business calendars',
    roles: 'Roles',
    noRoles: 'No extra roles needed',
    typeSummary: '{routing} routing rules · {sla} SLA targets · {notifications} notification templates',
    installedAs: 'This type exists here already (newest version {version})',
    form: 'Form',
    flow: 'Flow',
    formHint:
      'Read-only preview: this is the form requesters get; you can change it in the designer after installing',
    flowHint: 'Read-only preview: drag the canvas to see every step',
    flowLabel: 'Flow of “{name}” (read-only)',
    typeProblems: 'What would stop it from installing here:',
    close: 'Close',
  },
  diff: {
    title: 'Upgrade “{name}”: {from} → {to}',
    titleInstall: 'Before installing “{name}”',
    loading: 'Comparing the installed definitions with the pack…',
    intro: 'What installing changes in each ticket type. Open tickets keep running on their version.',
    state: {
      new: 'New',
      same: 'No change',
      'pack-changed': 'Updated by the pack',
      'locally-changed': 'Edited here',
      'not-from-pack': 'A type with this key was not made by this pack',
    },
    changes: 'Changes to the draft on install ({n})',
    localChanges: 'Edited here since the last install ({n}) — lost when overwritten',
    noChanges: 'No changes',
    overwrite: 'Overwrite local changes (what was published stays in the designer’s version history)',
    overwriteNeeded:
      'Some ticket types were edited here. Tick “Overwrite local changes” to go on, or keep the current version.',
    confirm: 'Install {version}',
    cancel: 'Cancel',
  },
};
