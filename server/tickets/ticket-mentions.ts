import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { accessProblem } from '../access/messages.js';

/**
 * The people a comment mentions, checked before the engine sees the comment: each must be an active person
 * (400 naming `body.mentions.N`), and an internal note may mention staff only — a requester could never read it,
 * so the mention is refused (422) instead of notifying nobody. Mentioned staff become assistants of the ticket
 * (runtime: `comment`), which lets them read internal notes and help.
 */
export async function checkMentions(
  app: FastifyInstance,
  command: { command: string; visibility?: unknown; mentions?: unknown },
): Promise<void> {
  if (command.command !== 'comment' || !Array.isArray(command.mentions) || command.mentions.length === 0)
    return;
  const mentions = command.mentions.map(String);
  const ids = mentions.filter((id) => Types.ObjectId.isValid(id));
  const people = await app.models.User.find(
    { _id: { $in: ids.map((id) => new Types.ObjectId(id)) } },
    { roles: 1, active: 1, displayName: 1 },
  ).lean();
  const byId = new Map(people.map((person) => [String(person._id), person]));
  mentions.forEach((id, index) => {
    const person = byId.get(id);
    if (!person || !person.active)
      throw accessProblem('mention-unknown', { field: `body.mentions.${index}` });
    const staff = person.roles.includes('agent') || person.roles.includes('admin');
    if (command.visibility === 'internal' && !staff)
      throw accessProblem('mention-not-staff', {
        field: `body.mentions.${index}`,
        params: { name: person.displayName },
      });
  });
}
