import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { accessProblem } from '../access/messages.js';
import { badRequest } from '../lib/problem.js';

/**
 * The people and teams a hand-over names, checked before the engine sees the command (the engine cannot know who
 * exists): `assign` / `transfer` to an active staff member (agent or admin) and an existing team, `request-assist`
 * of active staff. A requester cannot work a ticket, so handing one to them would leave it with nobody.
 * Every refusal names its field (`body.assignee`, `body.team`, `body.users.N`), in both languages.
 */
export async function checkHandOverTargets(
  app: FastifyInstance,
  command: { command: string; assignee?: unknown; team?: unknown; users?: unknown },
): Promise<void> {
  const people: { id: string; field: string }[] = [];
  if (command.command === 'assign' || command.command === 'transfer') {
    if (typeof command.assignee === 'string') people.push({ id: command.assignee, field: 'body.assignee' });
    if (typeof command.team === 'string' && !(await app.models.Team.exists({ key: command.team })))
      throw accessProblem('unknown-team', { field: 'body.team', params: { key: command.team } });
  } else if (command.command === 'request-assist' && Array.isArray(command.users)) {
    command.users.forEach((id, index) => {
      if (typeof id === 'string') people.push({ id, field: `body.users.${index}` });
    });
  }
  if (people.length === 0) return;
  const valid = people.filter((person) => Types.ObjectId.isValid(person.id) && person.id.length === 24);
  const found = await app.models.User.find(
    { _id: { $in: valid.map((person) => new Types.ObjectId(person.id)) } },
    { roles: 1, active: 1, displayName: 1 },
  ).lean();
  const byId = new Map(found.map((person) => [String(person._id), person]));
  for (const { id, field } of people) {
    const person = byId.get(id);
    if (!person || !person.active) throw accessProblem('unknown-user', { field, params: { id } });
    if (!person.roles.includes('agent') && !person.roles.includes('admin'))
      throw badRequest(
        field,
        {
          'zh-CN': `${person.displayName} 不是处理人员，不能接手或协助工单`,
          en: `${person.displayName} is not staff and cannot take or help with tickets`,
        },
        'not-staff',
      );
  }
}
