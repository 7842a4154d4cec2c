import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../store/paths.js';
import { KnowledgeIndex, Synonyms, highlight, tokenize } from './search-index.js';

const fixtures = path.join(projectRoot(), 'test', 'fixtures', 'knowledge');
const articles = JSON.parse(readFileSync(path.join(fixtures, 'articles.json'), 'utf8')) as {
  id: string;
  title: string;
  problem: string;
  steps: string;
  rootCause: string;
  solution: string;
  tags: string[];
  category: string;
}[];
const { queries } = JSON.parse(readFileSync(path.join(fixtures, 'judgements.json'), 'utf8')) as {
  queries: { query: string; relevant: string[] }[];
};

function indexOf(visibility: (id: string) => 'internal' | 'public' = () => 'public') {
  const index = new KnowledgeIndex();
  for (const article of articles)
    index.put({ ...article, visibility: visibility(article.id), status: 'published', version: 1 });
  return index;
}

describe('article search relevance (test/fixtures/knowledge)', () => {
  it('holds a bilingual judgement set of at least 60 queries over at least 300 articles', () => {
    expect(articles.length).toBeGreaterThanOrEqual(300);
    expect(queries.length).toBeGreaterThanOrEqual(60);
    const chinese = queries.filter((query) => /\p{Script=Han}/u.test(query.query)).length;
    expect(chinese / queries.length).toBeGreaterThanOrEqual(0.45);
    const ids = new Set(articles.map((article) => article.id));
    for (const query of queries) for (const id of query.relevant) expect(ids.has(id), id).toBe(true);
  });

  it('finds the judged article in the top 5 for at least 90 % of queries (recall@5), and reports MRR', () => {
    const index = indexOf();
    let found = 0;
    let reciprocalRanks = 0;
    const misses: string[] = [];
    for (const { query, relevant } of queries) {
      const ranked = index.query(query, {}, 10).map((hit) => hit.id);
      const rank = ranked.findIndex((id) => relevant.includes(id));
      if (rank >= 0 && rank < 5) found++;
      else misses.push(`${query} → ${ranked.slice(0, 5).join(', ')}`);
      if (rank >= 0) reciprocalRanks += 1 / (rank + 1);
    }
    const recall = found / queries.length;
    const mrr = reciprocalRanks / queries.length;
    console.log(
      `knowledge search: recall@5 ${recall.toFixed(3)}, MRR ${mrr.toFixed(3)} over ${queries.length} queries, ${articles.length} articles`,
    );
    expect(recall, misses.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  it('answers the examples of the issue first', () => {
    const index = indexOf();
    expect(index.query('打印机无法连接')[0]?.id).toBe('zh-printer-connect');
    expect(
      index
        .query('VPN disconnects')
        .slice(0, 2)
        .map((hit) => hit.id),
    ).toContain('en-vpn-drop');
  });

  it('never answers internal articles to a public search, whatever the query', () => {
    const index = indexOf((id) => (id.includes('printer') || id.includes('vpn') ? 'internal' : 'public'));
    for (const { query } of queries)
      for (const hit of index.query(query, { publicOnly: true }, 50))
        expect(hit.id.includes('printer') || hit.id.includes('vpn'), `${query}: ${hit.id}`).toBe(false);
  });

  it('leaves drafts and archived articles out unless asked, and forgets a removed article', () => {
    const index = new KnowledgeIndex();
    const base = {
      problem: '',
      steps: '',
      rootCause: '',
      solution: '',
      tags: [],
      category: 'it',
      visibility: 'public' as const,
    };
    index.put({ ...base, id: 'a', title: '打印机驱动安装', status: 'draft', version: 1 });
    expect(index.query('打印机')).toEqual([]);
    expect(index.query('打印机', { statuses: ['draft'] }).map((hit) => hit.id)).toEqual(['a']);
    index.put({ ...base, id: 'a', title: '打印机驱动安装', status: 'published', version: 2 });
    index.put({ ...base, id: 'a', title: 'stale', status: 'draft', version: 1 }); // older: ignored
    expect(index.query('打印机').map((hit) => hit.id)).toEqual(['a']);
    index.remove('a');
    expect(index.query('打印机')).toEqual([]);
  });

  it('segments Chinese into words and bigrams, stems English, and expands configured synonyms', () => {
    expect(tokenize('打印机无法连接')).toEqual(expect.arrayContaining(['打印', '无法', '连接', '印机']));
    expect(tokenize('VPN keeps dropping')).toEqual(['vpn', 'keep', 'drop']);
    const index = new KnowledgeIndex(new Synonyms([['报修', 'repair']]));
    const base = {
      problem: '',
      steps: '',
      rootCause: '',
      solution: '',
      tags: [],
      category: 'it',
      visibility: 'public' as const,
      status: 'published' as const,
      version: 1,
    };
    index.put({ ...base, id: 'r', title: '饮水机报修' });
    expect(index.query('repair').map((hit) => hit.id)).toEqual(['r']);
    expect(highlight('VPN keeps dropping', ['drop'])).toEqual([
      { text: 'VPN keeps ', hit: false },
      { text: 'dropping', hit: true },
    ]);
  });
});
