/**
 * Articles: every change is one insert of the article's next version under its unique `_id` (`<article>:<n>`, the
 * commit point — no transactions, no conditional updates), then the article document written by `_id`, then the
 * change marker bumped. Each process holds every article and the search index in memory: read whole at start, and
 * kept current by its own writes and by polling the marker (one read by `_id` a second) for other processes'.
 */
import { Types, type Connection } from 'mongoose';
import { conflict, notFound } from '../lib/problem.js';
import type { Clock } from '../lib/clock.js';
import {
  articles,
  articleVersions,
  contentOf,
  kbMarkers,
  kbSettings,
  type ArticleContent,
  type ArticleDoc,
  type ArticleStatus,
  type ArticleVersionDoc,
  type SourceTicket,
} from './article.model.js';
import {
  DEFAULT_SYNONYMS,
  KnowledgeIndex,
  Synonyms,
  type SearchFilter,
  type SearchHit,
} from './search-index.js';
import { isDuplicateKey } from '../lib/sequence.js';

const MARKER_ID = 'articles';
const SYNONYMS_ID = 'synonyms';
/** Another process's change is in this one's search within about this long. */
export const KB_POLL_MS = 1000;
/** Clocks of processes differ a little: re-read articles changed this long before the last read. */
const CLOCK_SKEW_MS = 10_000;

export class KnowledgeService {
  readonly index = new KnowledgeIndex();
  private readonly held = new Map<string, ArticleDoc>();
  private markerSerial = -1;
  private lastReadAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private synonymGroups: string[][] = DEFAULT_SYNONYMS.map((group) => [...group]);

  constructor(
    private readonly db: Connection,
    private readonly clock: Clock,
  ) {}

  async ensureIndexes(): Promise<void> {
    // `_id` is the only key read on hot paths (FerretDB uses no other index for queries); nothing more to create.
  }

  /** Read every article and the synonyms, then poll the change marker. */
  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.sync().catch(() => undefined);
    }, KB_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async reload(): Promise<void> {
    const marker = await kbMarkers(this.db).findOne({ _id: MARKER_ID });
    const startedAt = Date.now();
    const all = await articles(this.db).find({}).toArray();
    this.held.clear();
    this.index.clear();
    for (const doc of all) this.hold(doc);
    await this.loadSynonyms();
    this.markerSerial = marker?.serial ?? 0;
    this.lastReadAt = startedAt;
  }

  /** Take in what other processes changed since the last look (cheap when nothing did). */
  sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const marker = await kbMarkers(this.db).findOne({ _id: MARKER_ID });
        const serial = marker?.serial ?? 0;
        if (serial === this.markerSerial) return;
        const startedAt = Date.now();
        const changed = await articles(this.db)
          .find({ updatedAt: { $gte: new Date(this.lastReadAt - CLOCK_SKEW_MS) } })
          .toArray();
        for (const doc of changed) this.hold(doc);
        await this.loadSynonyms();
        this.markerSerial = serial;
        this.lastReadAt = startedAt;
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private hold(doc: ArticleDoc): void {
    const held = this.held.get(doc._id);
    if (held && held.version > doc.version) return;
    this.held.set(doc._id, doc);
    this.index.put({
      id: doc._id,
      title: doc.title,
      problem: doc.problem,
      steps: doc.steps,
      rootCause: doc.rootCause,
      solution: doc.solution,
      tags: doc.tags,
      category: doc.category,
      visibility: doc.visibility,
      status: doc.status,
      version: doc.version,
    });
  }

  private async loadSynonyms(): Promise<void> {
    const stored = await kbSettings(this.db).findOne({ _id: SYNONYMS_ID });
    if (stored && Array.isArray(stored.value))
      this.synonymGroups = (stored.value as unknown[]).flatMap((group) =>
        group && typeof group === 'object' && Array.isArray((group as { words?: unknown }).words)
          ? [(group as { words: unknown[] }).words.filter((word): word is string => typeof word === 'string')]
          : [],
      );
    this.index.setSynonyms(new Synonyms(this.synonymGroups));
  }

  private async changed(): Promise<void> {
    const marker = kbMarkers(this.db);
    await marker.updateOne(
      { _id: MARKER_ID },
      { $inc: { serial: 1 }, $set: { at: new Date(this.clock.now()) } },
      { upsert: true },
    );
  }

  get synonyms(): string[][] {
    return this.synonymGroups.map((group) => [...group]);
  }

  async setSynonyms(groups: string[][], actor: string): Promise<void> {
    await kbSettings(this.db).replaceOne(
      { _id: SYNONYMS_ID },
      // Each group as `{ words }`: FerretDB 1.24 refuses arrays directly inside arrays.
      { value: groups.map((words) => ({ words })), updatedAt: new Date(this.clock.now()), updatedBy: actor },
      { upsert: true },
    );
    this.synonymGroups = groups;
    this.index.setSynonyms(new Synonyms(groups));
    await this.changed();
  }

  get(id: string): ArticleDoc | undefined {
    return this.held.get(id);
  }

  /** Every article held, newest change first, narrowed by `keep`. */
  list(keep: (doc: ArticleDoc) => boolean): ArticleDoc[] {
    return [...this.held.values()]
      .filter(keep)
      .sort(
        (left, right) =>
          right.updatedAt.getTime() - left.updatedAt.getTime() || (left._id < right._id ? 1 : -1),
      );
  }

  search(text: string, filter: SearchFilter, limit: number): SearchHit[] {
    return this.index.query(text, filter, limit);
  }

  async create(
    content: ArticleContent,
    actor: string,
    sourceTickets: SourceTicket[] = [],
    note = '',
  ): Promise<ArticleDoc> {
    const id = new Types.ObjectId().toHexString();
    const now = new Date(this.clock.now());
    const doc: ArticleDoc = {
      _id: id,
      ...contentOf(content),
      status: 'draft',
      version: 1,
      sourceTickets,
      createdAt: now,
      createdBy: actor,
      updatedAt: now,
      updatedBy: actor,
      publishedAt: null,
    };
    return this.commit(doc, 'created', note);
  }

  async edit(
    id: string,
    expectedVersion: number,
    content: ArticleContent,
    actor: string,
    note = '',
  ): Promise<ArticleDoc> {
    const current = await this.current(id, expectedVersion);
    return this.commit(
      {
        ...current,
        ...contentOf(content),
        version: current.version + 1,
        updatedAt: new Date(this.clock.now()),
        updatedBy: actor,
      },
      'edited',
      note,
    );
  }

  async setStatus(
    id: string,
    expectedVersion: number,
    status: ArticleStatus,
    actor: string,
    note = '',
  ): Promise<ArticleDoc> {
    const current = await this.current(id, expectedVersion);
    const now = new Date(this.clock.now());
    return this.commit(
      {
        ...current,
        status,
        version: current.version + 1,
        updatedAt: now,
        updatedBy: actor,
        publishedAt: status === 'published' ? now : current.publishedAt,
      },
      'status',
      note,
    );
  }

  async addSource(id: string, source: SourceTicket, actor: string): Promise<ArticleDoc> {
    const current = await this.current(id);
    if (current.sourceTickets.some((ticket) => ticket.id === source.id)) return current;
    return this.commit(
      {
        ...current,
        sourceTickets: [...current.sourceTickets, source],
        version: current.version + 1,
        updatedAt: new Date(this.clock.now()),
        updatedBy: actor,
      },
      'source-added',
      '',
    );
  }

  /** The article as stored now (not only as held), checked against the version the caller saw. */
  private async current(id: string, expectedVersion?: number): Promise<ArticleDoc> {
    const doc = await articles(this.db).findOne({ _id: id });
    if (!doc) throw notFound({ 'zh-CN': '文章', en: 'Article' });
    this.hold(doc);
    if (expectedVersion !== undefined && doc.version !== expectedVersion) {
      throw conflict({
        'zh-CN': `文章已被他人修改（当前第 ${doc.version} 版），请刷新后再改`,
        en: `The article was changed meanwhile (now version ${doc.version}); reload and try again`,
      });
    }
    return doc;
  }

  private async commit(
    doc: ArticleDoc,
    change: ArticleVersionDoc['change'],
    note: string,
  ): Promise<ArticleDoc> {
    try {
      await articleVersions(this.db).insertOne({
        _id: `${doc._id}:${doc.version}`,
        articleId: doc._id,
        version: doc.version,
        at: doc.updatedAt,
        actor: doc.updatedBy,
        change,
        note,
        status: doc.status,
        content: contentOf(doc),
        sourceTickets: doc.sourceTickets,
      });
    } catch (error) {
      if (isDuplicateKey(error))
        throw conflict({
          'zh-CN': '文章刚被他人修改，请刷新后再改',
          en: 'The article was changed at the same moment; reload and try again',
        });
      throw error;
    }
    await articles(this.db).replaceOne({ _id: doc._id }, doc, { upsert: true });
    this.hold(doc);
    await this.changed();
    return doc;
  }

  async versions(id: string): Promise<ArticleVersionDoc[]> {
    const doc = await this.current(id);
    // By `_id`, one version after another (the one lookup FerretDB answers from its index).
    const ids = Array.from({ length: doc.version }, (_, index) => `${id}:${index + 1}`);
    const found = await articleVersions(this.db)
      .find({ _id: { $in: ids } })
      .toArray();
    return found.sort((left, right) => left.version - right.version);
  }

  async version(id: string, version: number): Promise<ArticleVersionDoc> {
    const found = await articleVersions(this.db).findOne({ _id: `${id}:${version}` });
    if (!found) throw notFound({ 'zh-CN': '文章版本', en: 'Article version' });
    return found;
  }
}
