import { ticketTypeSchema } from '../../runtime/definitions/ticket-type.schema.js';
import { flowSchema } from '../../runtime/definitions/flow.schema.js';
import { commandJsonSchemas } from '../../runtime/engine/command-shape.js';
import { formSchema } from '../../runtime/form/form.schema.js';
import { notificationTemplatesSchema } from '../../runtime/notify/notification-template.js';
import { priorityRulesSchema } from '../../runtime/routing/priority.js';
import { routingRulesSchema } from '../../runtime/routing/routing-rules.schema.js';
import { slaPolicySchema } from '../../runtime/sla/sla.schema.js';

/**
 * The contract integrators read at `/docs/json`, completed with the runtime's own schemas — the ones it checks
 * definitions and commands with — instead of "any object":
 *
 * - `components.schemas.TicketType` and its parts (`Form`, `Flow`, `RoutingRules`, `PriorityRules`, `SlaPolicy`,
 *   `NotificationTemplates`), referenced from the bodies that carry a ticket type;
 * - `components.schemas.Command` — a `oneOf` of one schema per command, told apart by `command` (a
 *   discriminator) — referenced from `POST /api/tickets/{id}/commands`;
 * - the `Idempotent-Replayed` header of an open that was a replay of an earlier one with the same key.
 *
 * Route validation is unchanged (the runtime validates definitions with messages for people); this only says
 * what that validation expects.
 */
type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Commands an API caller cannot send (the server itself opens tickets and reports sub-tickets and effects). */
const SERVER_ONLY = new Set([
  'open',
  'subticket-finished',
  'subticket-opened',
  'effect-failed',
  'timer-fired',
]);

const commandName = (command: string) =>
  `Command${command
    .split('-')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')}`;

function components(): Record<string, Json> {
  const schemas: Record<string, Json> = {
    TicketType: {
      ...ticketTypeSchema,
      properties: {
        ...ticketTypeSchema.properties,
        form: ref('Form'),
        flow: ref('Flow'),
        routing: ref('RoutingRules'),
        priority: ref('PriorityRules'),
        sla: ref('SlaPolicy'),
        notifications: ref('NotificationTemplates'),
      },
    },
    Form: formSchema,
    Flow: flowSchema,
    RoutingRules: routingRulesSchema,
    PriorityRules: priorityRulesSchema,
    SlaPolicy: slaPolicySchema,
    NotificationTemplates: notificationTemplatesSchema,
  };
  const mapping: Record<string, string> = {};
  for (const [command, schema] of Object.entries(commandJsonSchemas())) {
    if (SERVER_ONLY.has(command)) continue;
    const name = commandName(command);
    mapping[command] = `#/components/schemas/${name}`;
    const properties = (schema.properties ?? {}) as Json;
    schemas[name] = {
      ...schema,
      required: [...((schema.required as string[]) ?? []), 'version'],
      properties: {
        ...properties,
        version: { type: 'integer', minimum: 1, description: 'The ticket version the caller saw' },
      },
    };
  }
  schemas.Command = {
    description: 'A command to a ticket: one of these shapes, chosen by `command`.',
    oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'command', mapping },
  };
  return schemas;
}

function jsonBody(operation: Json | undefined): Json | undefined {
  const content = (operation?.requestBody as Json | undefined)?.content as Json | undefined;
  return content?.['application/json'] as Json | undefined;
}

/** `transformObject` of @fastify/swagger: returns the document with the runtime's schemas published. */
export function publishContract(document: Json): Json {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const existing = ((document.components as Json | undefined)?.schemas ?? {}) as Json;
  document.components = {
    ...(document.components as Json),
    schemas: { ...existing, ...components() },
  };

  const created = jsonBody(paths['/api/ticket-types']?.post);
  if (created) created.schema = ref('TicketType');
  const draft = jsonBody(paths['/api/ticket-types/{key}/draft']?.put)?.schema as Json | undefined;
  if (draft?.properties) (draft.properties as Json).definition = ref('TicketType');
  const command = jsonBody(paths['/api/tickets/{id}/commands']?.post);
  if (command) command.schema = ref('Command');

  const opened = (paths['/api/tickets']?.post?.responses as Json | undefined)?.['201'] as Json | undefined;
  if (opened) {
    opened.headers = {
      ...(opened.headers as Json | undefined),
      'Idempotent-Replayed': {
        description:
          '`true` when this open repeated an earlier one with the same Idempotency-Key: the answer is that ' +
          'ticket as it is now, and nothing new was opened.',
        schema: { type: 'string', enum: ['true'] },
      },
    };
  }
  return document;
}
