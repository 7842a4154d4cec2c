/** Route schemas of the templates API: every request and every answer, errors as problem+json. */
import { PACK_ID_PATTERN, SEMVER_PATTERN } from '../../templates/pack.schema.js';
import { problemResponses, problemSchema } from '../routes/common.schemas.js';

const localizedText = {
  type: 'object',
  required: ['zh-CN', 'en'],
  properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
} as const;

const problem = {
  type: 'object',
  required: ['code', 'path', 'text'],
  properties: {
    code: { type: 'string' },
    path: {
      type: 'string',
      description:
        'JSON pointer into the checked file; in an install refusal prefixed by `/<type key>` or `/calendars/<key>`',
    },
    nodeId: { type: 'string' },
    edgeId: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    text: localizedText,
  },
} as const;

export const packParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      minLength: 2,
      maxLength: 64,
      pattern: PACK_ID_PATTERN,
      description: 'Pack id, e.g. hr',
    },
  },
} as const;

const status = {
  type: 'string',
  enum: ['not-installed', 'installed', 'upgrade-available', 'newer-installed', 'invalid'],
  description:
    'not-installed; installed (this version); upgrade-available (an older version is installed); newer-installed; invalid (the pack on disk has problems)',
} as const;

const installedFields = {
  installedVersion: { type: ['string', 'null'], description: 'The version installed in this database' },
  installedAt: { type: 'string', format: 'date-time' },
} as const;

const keyAndName = {
  type: 'object',
  required: ['key', 'name'],
  properties: { key: { type: 'string' }, name: localizedText },
} as const;

const ticketCount = {
  type: 'object',
  required: ['type', 'count'],
  properties: { type: { type: 'string' }, count: { type: 'integer' } },
} as const;

export const packSummarySchema = {
  type: 'object',
  required: ['id', 'ticketTypes', 'teams', 'status', 'installedVersion'],
  properties: {
    id: { type: 'string' },
    version: { type: 'string', pattern: SEMVER_PATTERN, description: 'The version on disk' },
    name: localizedText,
    description: localizedText,
    category: { type: 'string' },
    ticketTypes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name'],
        properties: {
          key: { type: 'string' },
          name: localizedText,
          categoryName: {
            type: 'object',
            properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
          },
        },
      },
    },
    teams: { type: 'array', items: { type: 'string' } },
    status,
    ...installedFields,
    problems: { type: 'array', items: problem, description: 'Why an invalid pack cannot be installed' },
    contents: {
      type: 'object',
      description: 'What the pack holds; absent for an invalid pack',
      required: ['teams', 'calendars', 'roles', 'slaTargets', 'flowSteps', 'formFields'],
      properties: {
        teams: { type: 'array', items: keyAndName },
        calendars: { type: 'array', items: keyAndName },
        roles: { type: 'array', items: { type: 'string' } },
        slaTargets: { type: 'integer', description: 'SLA targets over all its ticket types' },
        flowSteps: {
          type: 'integer',
          description: 'Flow steps (not counting start and end) over all its types',
        },
        formFields: { type: 'integer', description: 'Form fields over all its types' },
      },
    },
    ticketsInUse: {
      type: 'array',
      description: 'Installed packs: tickets of its types, per type; removal is refused while there is one',
      items: ticketCount,
    },
  },
} as const;

export const packListSchema = {
  type: 'object',
  required: ['items', 'total'],
  properties: { items: { type: 'array', items: packSummarySchema }, total: { type: 'integer' } },
} as const;

const fieldPreview = {
  type: 'object',
  required: ['field', 'label', 'widget', 'required', 'requiredWhen', 'visibleWhen'],
  properties: {
    field: { type: 'string' },
    label: localizedText,
    widget: { type: 'string' },
    required: { type: 'boolean', description: 'Always required (when shown)' },
    requiredWhen: { type: 'boolean', description: 'Required by a rule' },
    visibleWhen: { type: 'boolean', description: 'Shown by a rule' },
  },
} as const;

const typePreview = {
  type: 'object',
  required: [
    'key',
    'name',
    'category',
    'file',
    'exists',
    'latestVersion',
    'sections',
    'flow',
    'routingRules',
    'slaTargets',
    'notifications',
    'samples',
    'problems',
  ],
  properties: {
    key: { type: 'string' },
    name: localizedText,
    description: localizedText,
    category: { type: 'string' },
    file: { type: 'string' },
    exists: { type: 'boolean', description: 'A ticket type with this key exists in this database' },
    latestVersion: { type: 'integer', description: 'Its newest published version here; 0 when none' },
    sections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['section', 'title', 'fields'],
        properties: {
          section: { type: 'string' },
          title: localizedText,
          fields: { type: 'array', items: fieldPreview },
        },
      },
    },
    flow: {
      type: 'object',
      required: ['nodes', 'edges', 'byKind'],
      properties: {
        nodes: { type: 'integer' },
        edges: { type: 'integer' },
        byKind: {
          type: 'object',
          additionalProperties: { type: 'integer' },
          description: 'Node count per kind',
        },
      },
    },
    routingRules: { type: 'integer' },
    slaTargets: { type: 'integer' },
    notifications: { type: 'array', items: { type: 'string' }, description: 'Notification template keys' },
    samples: { type: 'integer', description: 'Sample tickets shipped for trying the type out' },
    problems: { type: 'array', items: problem, description: 'What would stop the type from installing here' },
  },
} as const;

export const packPreviewSchema = {
  type: 'object',
  required: [
    'id',
    'version',
    'name',
    'description',
    'category',
    'status',
    'installedVersion',
    'ticketTypes',
    'teams',
    'roles',
    'calendars',
    'problems',
    'installable',
  ],
  properties: {
    id: { type: 'string' },
    version: { type: 'string' },
    name: localizedText,
    description: localizedText,
    category: { type: 'string' },
    status,
    ...installedFields,
    ticketTypes: { type: 'array', items: typePreview },
    teams: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name', 'exists'],
        properties: {
          key: { type: 'string' },
          name: localizedText,
          description: localizedText,
          exists: { type: 'boolean', description: 'False: installing creates it, with no members' },
        },
      },
    },
    roles: { type: 'array', items: { type: 'string' }, description: 'Roles the definitions name' },
    calendars: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name', 'exists'],
        properties: { key: { type: 'string' }, name: localizedText, exists: { type: 'boolean' } },
      },
    },
    problems: {
      type: 'array',
      items: problem,
      description: 'Problems of the calendars the pack would create',
    },
    installable: { type: 'boolean', description: 'Installing now would pass every definition check' },
  },
} as const;

export const installBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    createTeams: {
      type: 'boolean',
      default: true,
      description: 'Create the suggested teams that do not exist, with no members',
    },
    publish: {
      type: 'boolean',
      default: true,
      description:
        'Publish each ticket type (a new version on upgrade; running tickets keep theirs); false: drafts only',
    },
    overwrite: {
      type: 'boolean',
      default: false,
      description: 'Replace drafts changed since the pack installed them, or not written by the pack',
    },
  },
} as const;

export const installResultSchema = {
  type: 'object',
  required: [
    'id',
    'version',
    'previousVersion',
    'alreadyInstalled',
    'upgraded',
    'published',
    'teams',
    'calendars',
    'ticketTypes',
  ],
  properties: {
    id: { type: 'string' },
    version: { type: 'string' },
    previousVersion: { type: ['string', 'null'], description: 'The version installed before, on an upgrade' },
    alreadyInstalled: { type: 'boolean', description: 'This version was installed already; nothing changed' },
    upgraded: { type: 'boolean' },
    published: { type: 'boolean' },
    teams: {
      type: 'object',
      required: ['created', 'existing'],
      properties: {
        created: { type: 'array', items: { type: 'string' } },
        existing: { type: 'array', items: { type: 'string' } },
      },
    },
    calendars: {
      type: 'object',
      required: ['created', 'existing'],
      properties: {
        created: { type: 'array', items: { type: 'string' } },
        existing: { type: 'array', items: { type: 'string' } },
      },
    },
    ticketTypes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name', 'action', 'version'],
        properties: {
          key: { type: 'string' },
          name: localizedText,
          action: { type: 'string', enum: ['created', 'updated', 'unchanged'] },
          version: { type: ['integer', 'null'], description: 'The published version; null for a draft only' },
        },
      },
    },
  },
} as const;

export const removalResultSchema = {
  type: 'object',
  required: ['id', 'version', 'removedTypes', 'keptTeams', 'keptCalendars'],
  properties: {
    id: { type: 'string' },
    version: { type: 'string', description: 'The version that was installed' },
    removedTypes: {
      type: 'array',
      items: { type: 'string' },
      description: 'Hidden from the designer and the portal; their published versions stay',
    },
    keptTeams: { type: 'array', items: { type: 'string' }, description: 'Teams the pack created, kept' },
    keptCalendars: {
      type: 'array',
      items: { type: 'string' },
      description: 'Calendars the pack created, kept',
    },
  },
} as const;

const problemWith = (description: string, properties: Record<string, unknown>) => ({
  description,
  content: {
    'application/problem+json': {
      schema: { ...problemSchema, properties: { ...problemSchema.properties, ...properties } },
    },
  },
});

export const installConflictResponse = {
  409: problemWith('A newer version is installed, or drafts were changed since the pack installed them', {
    installedVersion: { type: 'string' },
    availableVersion: { type: 'string' },
    conflicts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          reason: { type: 'string', enum: ['modified', 'not-from-pack'] },
        },
      },
    },
  }),
} as const;

export const invalidPackResponse = {
  422: problemWith('The pack has problems (listed), or teams it needs are missing; nothing was changed', {
    problems: { type: 'array', items: problem },
    missingTeams: { type: 'array', items: { type: 'string' } },
    ticketType: { type: 'string' },
  }),
} as const;

export const ticketsExistResponse = {
  409: problemWith('Tickets exist of the pack’s types; `tickets` names them', {
    tickets: {
      type: 'array',
      items: { type: 'object', properties: { type: { type: 'string' }, count: { type: 'integer' } } },
    },
  }),
} as const;

export { problemResponses };

export const packTypeParams = {
  type: 'object',
  required: ['id', 'key'],
  additionalProperties: false,
  properties: {
    id: packParams.properties.id,
    key: { type: 'string', minLength: 1, maxLength: 80, description: 'Ticket type key, e.g. hr.leave' },
  },
} as const;

export const packTypeDefinitionSchema = {
  type: 'object',
  required: ['packId', 'key', 'name', 'category', 'form', 'flow', 'statuses'],
  properties: {
    packId: { type: 'string' },
    key: { type: 'string' },
    name: localizedText,
    description: localizedText,
    category: { type: 'string' },
    form: { description: 'The form as the pack ships it: schema, layout, rules' },
    flow: { description: 'The flow as the pack ships it: nodes, edges' },
    statuses: { description: 'The statuses of the type' },
  },
} as const;

export const packDiffSchema = {
  type: 'object',
  required: ['id', 'version', 'installedVersion', 'needsOverwrite', 'ticketTypes'],
  properties: {
    id: { type: 'string' },
    version: { type: 'string', description: 'The version on disk' },
    installedVersion: { type: ['string', 'null'] },
    needsOverwrite: {
      type: 'boolean',
      description: 'Installing is refused (409) without overwrite: true for at least one type',
    },
    ticketTypes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name', 'state', 'conflict', 'changes', 'localChanges'],
        properties: {
          key: { type: 'string' },
          name: localizedText,
          state: {
            type: 'string',
            enum: ['new', 'same', 'pack-changed', 'locally-changed', 'not-from-pack'],
            description:
              'new (installing creates it); same (the draft already is the pack’s); pack-changed (the upgrade ' +
              'applies); locally-changed (edited since the pack installed it); not-from-pack (the pack did not ' +
              'write it)',
          },
          conflict: { type: 'boolean', description: 'Replaced only with overwrite: true' },
          changes: { description: 'What installing changes in the draft (runtime diff, draft → pack)' },
          localChanges: {
            description: 'What was edited here since the pack installed the type (installed → draft)',
          },
        },
      },
    },
  },
} as const;
