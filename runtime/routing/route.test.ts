import { describe, expect, it } from 'vitest';
import exampleTicketType from '../definitions/fixtures/it-incident.ticket-type.json' with { type: 'json' };
import { compileValidator } from '../definitions/ajv.js';
import { createRuleCache } from '../rules/index.js';
import { checkRoutingRules, route, routingRulesSchema, type RoutingRules } from './index.js';

const exampleRouting = exampleTicketType.routing as RoutingRules;

function ticket(data: Record<string, unknown>, requester: Record<string, unknown> = {}, text = '') {
  return { data, requester, channel: 'web', text };
}

describe('route() over the example rules', () => {
  it.each([
    {
      name: 'server tickets go to it-ops by skills, the skill taken from the form',
      context: ticket({ service: 'server' }),
      output: { ruleId: 'infra', team: 'it-ops', strategy: 'skills', skills: [{ name: 'server', level: 1 }] },
      en: 'Matched routing rule #1 “infra”: its condition holds (data.service = "server"); sent to team “it-ops”, assigned by matching skills.',
      zh: '命中第 1 条分派规则“infra”：条件成立（data.service = "server"）；交给团队“it-ops”，分配方式：按技能匹配。',
    },
    {
      name: 'a VIP requester goes to the desk, least loaded first',
      context: ticket({ service: 'email' }, { level: 'vip' }),
      output: {
        ruleId: 'vip',
        team: 'it-desk',
        strategy: 'least-loaded',
        skills: [],
        priorityAtLeast: 'high',
      },
      en: 'Matched routing rule #2 “vip”: its condition holds (requester.level = "vip"); sent to team “it-desk”, assigned by least loaded first.',
    },
    {
      name: 'everything else takes the default',
      context: ticket({ service: 'email' }, { level: 'staff' }),
      output: { ruleId: 'default', team: 'it-desk', strategy: 'round-robin', skills: [] },
      en: 'Matched routing rule #3 “default”: no earlier rule applied, so the default rule is used; sent to team “it-desk”, assigned by round robin.',
      code: 'routing.matchedDefault',
    },
  ])('$name', ({ context, output, en, zh, code }) => {
    const decision = route(exampleRouting, context);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    const { ruleId, then } = decision.value;
    expect({ ruleId, ...then }).toEqual(output);
    expect(decision.value.explanation.text.en).toBe(en);
    if (zh) expect(decision.value.explanation.text['zh-CN']).toBe(zh);
    expect(decision.value.explanation.code).toBe(code ?? 'routing.matched');
    expect(decision.value.problems).toEqual([]);
  });
});

describe('route() with failing and odd rules', () => {
  const rules: RoutingRules = [
    {
      id: 'broken',
      when: { dateAdd: [{ var: 'data.openedAt' }, 1, 'hours'] },
      then: { team: 'a', strategy: 'round-robin' },
    },
    { id: 'refused', when: { method: ['x', 'y'] }, then: { team: 'b', strategy: 'round-robin' } },
    {
      id: 'keywords',
      when: { keywords: [{ var: 'text' }, ['打印机', 'printer']] },
      then: {
        team: 'print',
        strategy: 'skills',
        skills: [
          'printing',
          { name: { var: 'data.brand' }, level: 2 },
          { var: 'data.extraSkills' },
          { var: 'data.none' },
          { name: 'printing', level: 3 },
        ],
        tags: ['printer'],
        watchers: ['facilities'],
      },
    },
    { id: 'default', when: true, then: { team: 'desk', strategy: 'direct', user: 'u1', priority: 'low' } },
  ];

  it('skips a failing rule, reports it, and says so in the explanation', () => {
    const decision = route(
      rules,
      ticket({ brand: 'hp', extraSkills: ['toner', 'hp'] }, {}, '三楼打印机卡纸'),
    );
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.value.ruleId).toBe('keywords');
    // Duplicates keep their first level; a list expression adds every name; an empty expression is reported.
    expect(decision.value.then.skills).toEqual([
      { name: 'printing', level: 1 },
      { name: 'hp', level: 2 },
      { name: 'toner', level: 1 },
    ]);
    expect(decision.value.problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['routing.ruleFailed', '/routing/0/when'],
      ['routing.ruleFailed', '/routing/1/when/method'],
      ['routing.skillUnresolved', '/routing/2/then/skills/3'],
    ]);
    expect(decision.value.problems[0]?.text['zh-CN']).toContain('“broken”');
    expect(decision.value.problems[0]?.text['zh-CN']).toContain('不是有效的日期时间');
    expect(decision.value.explanation.text.en).toContain(
      '(rules that could not be evaluated and were skipped: broken, refused)',
    );
    expect(decision.value.explanation.params).toMatchObject({ skipped: ['broken', 'refused'] });
  });

  it('falls through to the default with everything the rule sets', () => {
    const decision = route(rules, ticket({}), { basePath: '/types/0/routing' });
    expect(decision).toMatchObject({
      ok: true,
      value: { ruleId: 'default', ruleIndex: 3, isDefault: true, then: { user: 'u1', priority: 'low' } },
    });
  });

  it('reports a skill name expression that cannot be evaluated', () => {
    const withBadSkill: RoutingRules = [
      { id: 'only', when: true, then: { team: 't', strategy: 'skills', skills: [{ name: { log: 1 } }] } },
    ];
    const decision = route(withBadSkill, ticket({}));
    expect(decision.ok && decision.value.problems.map((problem) => problem.code)).toEqual([
      'rule.unknownOperation',
      'routing.skillUnresolved',
    ]);
  });

  it('fails with a reason when nothing applies or there are no rules', () => {
    const noDefault: RoutingRules = [{ id: 'x', when: false, then: { team: 'a', strategy: 'round-robin' } }];
    expect(route(noDefault, ticket({}))).toMatchObject({ ok: false, error: { code: 'routing.noMatch' } });
    expect(route(rules.slice(0, 2), ticket({}))).toMatchObject({
      ok: false,
      error: { code: 'routing.noMatch', params: { skipped: ['broken', 'refused'] } },
    });
    expect(route([], ticket({}))).toMatchObject({
      ok: false,
      error: { code: 'routing.noRules', path: '/routing' },
    });
  });

  it('prepares a published table once and reuses it', () => {
    const cache = createRuleCache();
    const scope = { definitionKey: 'it.incident', version: 1 };
    route(exampleRouting, ticket({ service: 'vpn' }), { scope, cache });
    const size = cache.size;
    expect(size).toBe(3);
    route(exampleRouting, ticket({ service: 'server' }), { scope, cache });
    expect(cache.size).toBe(4); // the matched rule's skill expression
    route(exampleRouting, ticket({ service: 'server' }), { scope, cache });
    expect(cache.size).toBe(4);
    route(exampleRouting, ticket({ service: 'server' }), { scope: { ...scope, version: 2 }, cache });
    expect(cache.size).toBe(8);
  });

  it('business-hours rules see the environment', () => {
    const afterHours: RoutingRules = [
      {
        id: 'night',
        when: { '!': [{ inBusinessHours: [] }] },
        then: { team: 'on-call', strategy: 'round-robin' },
      },
      { id: 'default', when: true, then: { team: 'desk', strategy: 'round-robin' } },
    ];
    const night = route(afterHours, ticket({}), {
      now: Date.parse('2026-10-12T23:00:00+08:00'),
      calendar: undefined,
    });
    expect(night.ok && night.value.ruleId).toBe('default'); // no calendar: the rule fails and is skipped
  });
});

describe('routingRulesSchema and checkRoutingRules', () => {
  const validate = compileValidator(routingRulesSchema);

  it('accepts the example rules', () => {
    expect(validate(exampleRouting, '/routing')).toEqual([]);
    expect(checkRoutingRules(exampleRouting)).toEqual([]);
  });

  it.each([
    {
      name: 'unknown strategy',
      rules: [{ id: 'a', when: true, then: { team: 't', strategy: 'random' } }],
      path: '/routing/0/then/strategy',
    },
    {
      name: 'direct without a user',
      rules: [{ id: 'a', when: true, then: { team: 't', strategy: 'direct' } }],
      path: '/routing/0/then/user',
    },
    {
      name: 'a condition that is a text',
      rules: [{ id: 'a', when: 'yes', then: { team: 't', strategy: 'skills' } }],
      path: '/routing/0/when',
    },
    {
      name: 'bad priority',
      rules: [{ id: 'a', when: true, then: { team: 't', strategy: 'skills', priority: 'p1' } }],
      path: '/routing/0/then/priority',
    },
    {
      name: 'unknown setting',
      rules: [{ id: 'a', when: true, then: { team: 't', strategy: 'skills', colour: 'red' } }],
      path: '/routing/0/then/colour',
    },
    { name: 'empty list', rules: [], path: '/routing' },
  ])('schema refuses: $name', ({ rules, path }) => {
    expect(validate(rules, '/routing').map((problem) => problem.path)).toContain(path);
  });

  it.each([
    {
      name: 'no default at the end',
      rules: [{ id: 'a', when: { '==': [1, 1] }, then: { team: 't', strategy: 'round-robin' } }],
      problems: [['routing.noDefault', '/routing/0/when']],
    },
    {
      name: 'rules hidden behind an early default, and duplicate ids',
      rules: [
        { id: 'd', when: true, then: { team: 't', strategy: 'round-robin' } },
        { id: 'd', when: true, then: { team: 't', strategy: 'round-robin' } },
      ],
      problems: [
        ['routing.duplicateId', '/routing/1/id'],
        ['routing.unreachable', '/routing/1'],
      ],
    },
    {
      name: 'operations off the allow-list in conditions and skills',
      rules: [
        {
          id: 'a',
          when: { method: [1, 'x'] },
          then: {
            team: 't',
            strategy: 'skills',
            skills: ['ok', { name: { log: 1 } }, { nope: 1 }, { name: 'fine' }],
          },
        },
        { id: 'direct', when: true, then: { team: 't', strategy: 'direct' } },
      ],
      problems: [
        ['rule.unknownOperation', '/routing/0/when/method'],
        ['rule.unknownOperation', '/routing/0/then/skills/1/name/log'],
        ['rule.unknownOperation', '/routing/0/then/skills/2/nope'],
        ['routing.directNeedsUser', '/routing/1/then/user'],
      ],
    },
    { name: 'nothing at all', rules: [], problems: [['routing.noDefault', '/routing']] },
  ])('check finds: $name', ({ rules, problems }) => {
    const found = checkRoutingRules(rules as RoutingRules);
    expect(found.map((problem) => [problem.code, problem.path])).toEqual(problems);
    for (const problem of found) expect(problem.text['zh-CN'].length).toBeGreaterThan(0);
  });
});
