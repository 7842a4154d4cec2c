/** What the rule builder hands down to its nested group and row editors (provide / inject). */
import type { InjectionKey } from 'vue';
import type { RuleCondition, RuleGroup, RuleNode } from './rule-model';
import type { RuleVariableInfo } from './rule-builder.types';

export interface RuleEditorApi {
  variables: () => RuleVariableInfo[];
  variableOf: (path: string) => RuleVariableInfo | undefined;
  addCondition: (group: RuleGroup) => void;
  addGroup: (group: RuleGroup) => void;
  remove: (group: RuleGroup, child: RuleNode) => void;
  setGroup: (group: RuleGroup, patch: Partial<Pick<RuleGroup, 'op' | 'negated'>>) => void;
  setCondition: (condition: RuleCondition, patch: Partial<Omit<RuleCondition, 'kind'>>) => void;
  /** Stable ids for v-for keys and element ids. */
  idOf: (node: RuleNode) => string;
}

export const RULE_EDITOR: InjectionKey<RuleEditorApi> = Symbol('rule-editor');
