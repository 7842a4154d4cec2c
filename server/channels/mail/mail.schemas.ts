/** JSON Schemas of the mail channel's routes (the contract; see mail.routes.ts). */

export const mailboxAddressParams = {
  type: 'object',
  required: ['address'],
  properties: { address: { type: 'string', minLength: 3, maxLength: 254 } },
} as const;

const mailboxFields = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  typeKey: { type: 'string', minLength: 1, maxLength: 100 },
  team: { type: 'string', maxLength: 100, description: "'' or absent: the type's routing decides" },
  titleField: { type: 'string', minLength: 1, maxLength: 100, description: 'Form field for the subject' },
  descriptionField: {
    type: 'string',
    maxLength: 100,
    description: "Form field for the body text ('' for none)",
  },
  defaults: {
    type: 'object',
    additionalProperties: true,
    description: 'Fixed form values of every ticket (the form’s other required fields)',
  },
  createRequesters: { type: 'boolean', description: 'Unknown senders become requesters (else refused)' },
  active: { type: 'boolean' },
} as const;

export const mailboxCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['address', 'name', 'typeKey'],
  properties: { address: { type: 'string', minLength: 3, maxLength: 254 }, ...mailboxFields },
} as const;

export const mailboxUpdateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'typeKey'],
  properties: mailboxFields,
} as const;

export const mailboxView = {
  type: 'object',
  required: [
    'address',
    'name',
    'typeKey',
    'titleField',
    'descriptionField',
    'defaults',
    'createRequesters',
    'active',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    address: { type: 'string' },
    name: { type: 'string' },
    typeKey: { type: 'string' },
    team: { type: 'string' },
    titleField: { type: 'string' },
    descriptionField: { type: 'string' },
    defaults: { type: 'object', additionalProperties: true },
    createRequesters: { type: 'boolean' },
    active: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const mailTestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['raw'],
  properties: {
    raw: {
      type: 'string',
      minLength: 1,
      maxLength: 1_000_000,
      description: 'The whole message, headers first',
    },
    envelopeFrom: {
      type: 'string',
      maxLength: 254,
      description: "MAIL FROM ('' for a bounce); default: From",
    },
  },
} as const;

const attachmentPlan = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    contentType: { type: 'string' },
    size: { type: 'integer' },
    refused: { type: 'string' },
  },
} as const;

export const mailPlanView = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { type: 'string', enum: ['rejected', 'reply', 'ticket'] },
    reason: { type: 'string' },
    detail: { type: 'string' },
    ticketId: { type: 'string' },
    number: { type: 'string' },
    reopen: { type: 'boolean' },
    body: { type: 'string' },
    typeKey: { type: 'string' },
    team: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
    requester: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        email: { type: 'string' },
        created: { type: 'boolean' },
      },
    },
    followUpOf: { type: 'string' },
    attachments: { type: 'array', items: attachmentPlan },
    message: {
      type: 'object',
      properties: {
        messageId: { type: 'string' },
        from: { type: 'string' },
        subject: { type: 'string' },
      },
    },
  },
} as const;

export const messagesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    outcome: { type: 'string', enum: ['processing', 'ticket', 'reply', 'rejected', 'unparsed'] },
    mailbox: { type: 'string', maxLength: 254 },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
} as const;

export const messageIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[mdu][a-z0-9]{8,40}$' } },
} as const;

export const messageView = {
  type: 'object',
  required: ['id', 'mailbox', 'outcome', 'receivedAt'],
  properties: {
    id: { type: 'string' },
    mailbox: { type: 'string' },
    messageId: { type: 'string' },
    envelopeFrom: { type: 'string' },
    from: { type: 'string' },
    fromName: { type: 'string' },
    subject: { type: 'string' },
    size: { type: 'integer' },
    receivedAt: { type: 'string' },
    outcome: { type: 'string' },
    reason: { type: 'string' },
    detail: { type: 'string' },
    ticketId: { type: 'string' },
    ticketNumber: { type: 'string' },
    attachments: { type: 'integer' },
    skipped: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, reason: { type: 'string' } } },
    },
    duplicateOf: { type: 'string' },
    replayedAt: { type: 'string' },
    replayable: { type: 'boolean' },
  },
} as const;

export const mailStatusView = {
  type: 'object',
  required: ['listening', 'maxBytes', 'starttls', 'auth'],
  properties: {
    listening: { type: 'boolean' },
    address: { type: 'string' },
    maxBytes: { type: 'integer' },
    starttls: { type: 'boolean' },
    auth: { type: 'boolean' },
    outbound: { type: 'boolean', description: 'SMTP_URL is set: replies and notifications go out by mail' },
  },
} as const;

export const mailboxPresetsView = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['pack', 'address', 'name', 'typeKey', 'titleField', 'typePublished', 'inUse'],
        properties: {
          pack: { type: 'string' },
          address: { type: 'string', description: 'A suggestion: give the real address when creating it' },
          name: {
            type: 'object',
            properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
          },
          typeKey: { type: 'string' },
          team: { type: 'string' },
          titleField: { type: 'string' },
          descriptionField: { type: 'string' },
          defaults: { type: 'object', additionalProperties: true },
          typePublished: { type: 'boolean' },
          inUse: { type: 'boolean', description: 'A mailbox for this ticket type exists already' },
        },
      },
    },
  },
} as const;
