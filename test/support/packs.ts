import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadPacks, type LoadedPack } from '../../templates/pack-loader.js';
import { projectRoot } from '../../server/store/paths.js';
import { bearer, call, createUser, type CreatedUser } from './server-app.js';

/** Every shipped pack, read from templates/ (fails when one does not load). */
export async function shippedPacks(): Promise<LoadedPack[]> {
  const results = await loadPacks(path.join(projectRoot(), 'templates'));
  return results.map((result) => {
    if (!result.ok) throw new Error(`pack ${result.id}: ${JSON.stringify(result.problems)}`);
    return result.pack;
  });
}

/** Install packs through the API as the admin, creating their teams (without members). */
export async function installPacks(app: FastifyInstance, adminToken: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    const installed = await call(app, {
      method: 'POST',
      url: `/api/templates/${id}/install`,
      headers: bearer(adminToken),
      payload: {},
    });
    if (installed.status !== 201 && installed.status !== 200)
      throw new Error(`installing ${id}: ${installed.status} ${JSON.stringify(installed.body)}`);
  }
}

/** Skill values a pack's definitions may ask for: the enum of every form field a `skills` rule reads. */
function skillValues(packs: LoadedPack[]): string[] {
  const skills = new Set<string>();
  for (const pack of packs) {
    for (const type of pack.ticketTypes) {
      const text = JSON.stringify(type.definition);
      const properties = ((type.definition.form as { schema?: { properties?: Record<string, unknown> } })
        ?.schema?.properties ?? {}) as Record<string, { enum?: unknown[] }>;
      for (const match of text.matchAll(/"skills":\[\{"var":"data\.([A-Za-z0-9_]+)"\}\]/g)) {
        for (const value of properties[match[1]!]?.enum ?? [])
          if (typeof value === 'string') skills.add(value);
      }
    }
  }
  return [...skills];
}

/** The people a test of the packs works with: nobody acts as the admin. */
export interface PackStaff {
  admin: string;
  /** Opens the tickets; `manager` is their manager. */
  requester: CreatedUser;
  /** An agent in no team: the requester's manager, who approves for them. */
  manager: CreatedUser;
  /** One agent per team key, the team's only member. */
  members: Record<string, CreatedUser>;
  /** Agents standing for the `u-…` people the samples name (handover colleague, task owner…). */
  placeholders: Record<string, CreatedUser>;
}

/**
 * Staff the teams of `packs` (already installed): one agent per team holding every skill the packs route by, the
 * requester and their manager (an agent in no team), and an agent for every `u-…` person the samples name.
 */
export async function staffPacks(
  app: FastifyInstance,
  adminToken: string,
  packs: LoadedPack[],
  prefix = 'p',
): Promise<PackStaff> {
  const manager = await createUser(app, adminToken, { username: `${prefix}-manager`, roles: ['agent'] });
  const requester = await createUser(app, adminToken, {
    username: `${prefix}-requester`,
    roles: ['requester'],
    manager: manager.id,
    department: 'sales',
  });
  const skills = Object.fromEntries(skillValues(packs).map((skill) => [skill, 5]));
  const members: Record<string, CreatedUser> = {};
  const teams = new Map<string, unknown>();
  for (const pack of packs) for (const team of pack.manifest.teams) teams.set(team.key, team.name);
  for (const [key, name] of teams) {
    const member = await createUser(app, adminToken, { username: `${prefix}-${key}`, roles: ['agent'] });
    members[key] = member;
    const replaced = await call(app, {
      method: 'PUT',
      url: `/api/teams/${key}`,
      headers: bearer(adminToken),
      payload: { name, supervisor: member.id, members: [{ userId: member.id, skills }] },
    });
    if (replaced.status !== 200) throw new Error(`staffing ${key}: ${JSON.stringify(replaced.body)}`);
  }
  const placeholders: Record<string, CreatedUser> = {};
  for (const pack of packs) {
    for (const type of pack.ticketTypes) {
      for (const match of JSON.stringify(type.samples).matchAll(/"(u-[a-z0-9-]+)"/g)) {
        const name = match[1]!;
        if (!placeholders[name])
          placeholders[name] = await createUser(app, adminToken, {
            username: `${prefix}-${name}`,
            roles: ['agent'],
          });
      }
    }
  }
  return { admin: adminToken, requester, manager, members, placeholders };
}

/** Sample data with every `u-…` person replaced by the id of the agent standing for them. */
export function sampleData(staff: PackStaff, data: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(data).replace(/"(u-[a-z0-9-]+)"/g, (whole, name: string) =>
      staff.placeholders[name] ? `"${staff.placeholders[name].id}"` : whole,
    ),
  ) as Record<string, unknown>;
}

/** A one-file multipart body, as a browser sends an upload. */
function multipartFile(name: string): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----ordo${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    ),
    Buffer.from(`%PDF-1.4\n% ${name}\n%%EOF\n`),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/**
 * Sample data whose `att-…` files are uploaded first by `uploader` (intake uploads, claimed by the open that names
 * them), each placeholder replaced by the id the upload answered. Every open needs uploads of its own.
 */
export async function withUploads(
  app: FastifyInstance,
  uploader: { token: string },
  data: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const names = [
    ...new Set([...JSON.stringify(data).matchAll(/"(att-[a-z0-9-]+)"/g)].map((match) => match[1]!)),
  ];
  const ids = new Map<string, string>();
  for (const name of names) {
    const body = multipartFile(name);
    const uploaded = await app.inject({
      method: 'POST',
      url: '/api/attachments',
      headers: { ...bearer(uploader.token), ...body.headers },
      payload: body.payload,
    });
    if (uploaded.statusCode !== 201)
      throw new Error(`uploading ${name}: ${uploaded.statusCode} ${uploaded.body}`);
    ids.set(name, uploaded.json<{ items: { id: string }[] }>().items[0]!.id);
  }
  return JSON.parse(
    JSON.stringify(data).replace(/"(att-[a-z0-9-]+)"/g, (whole, name: string) =>
      ids.has(name) ? `"${ids.get(name)!}"` : whole,
    ),
  ) as Record<string, unknown>;
}
