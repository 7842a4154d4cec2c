import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computePriority } from '../../../runtime/routing/priority';
import { matrixExplanationText, type MatrixDefinition } from './priority-matrix-words';

const incident = JSON.parse(
  readFileSync(
    new URL('../../../templates/it-service-desk/incident.ticket-type.json', import.meta.url),
    'utf8',
  ),
) as MatrixDefinition & { priority: Parameters<typeof computePriority>[0] };

/** The engine's own explanation of the IT incident matrix for these values. */
function explain(impact: string, urgency: string) {
  const decision = computePriority(incident.priority, { data: { impact, urgency } });
  return decision.explanation;
}

describe('matrixExplanationText', () => {
  it('names the row and column by their option labels, in the reader’s language', () => {
    const explanation = explain('person', 'high');
    expect(explanation.text['zh-CN']).toContain('person');
    expect(matrixExplanationText(explanation, incident, 'zh-CN')).toBe(
      '按影响×紧急度矩阵：影响范围为 仅我一人，紧急程度为 高：工作完全停止，优先级为“中”。',
    );
    expect(matrixExplanationText(explanation, incident, 'en')).toBe(
      'From the impact × urgency matrix: Impact is Just me and Urgency is High: work has stopped, so the priority is medium.',
    );
  });

  it('finds the fields without the matrix (a requester’s definition has the form only)', () => {
    const text = matrixExplanationText(explain('company', 'low'), { form: incident.form }, 'en');
    expect(text).toContain('Impact is The whole company');
    expect(text).toContain('Urgency is Low: work can go on');
  });

  it('says a missing cell with the labels too, and leaves other explanations alone', () => {
    const noCell = {
      code: 'priority.matrixNoCell',
      params: { row: 'team', column: 'someday', priority: 'medium' },
      text: { 'zh-CN': '', en: '' },
    };
    expect(matrixExplanationText(noCell, incident, 'zh-CN')).toBe(
      '影响×紧急度矩阵中没有“整个团队 × someday”这一格，使用默认优先级“中”。',
    );
    const rule = { code: 'priority.rule', params: { priority: 'high' }, text: { 'zh-CN': 'x', en: 'x' } };
    expect(matrixExplanationText(rule, incident, 'zh-CN')).toBeUndefined();
    expect(matrixExplanationText(explain('person', 'high'), undefined, 'zh-CN')).toBeUndefined();
  });
});
