/**
 * Checks a flow graph before it is published: its shape, each node's settings against its kind's schema, and the
 * graph itself — one start, everything reachable, every path ends, gateways well formed, parallel branches well
 * nested, no automatic loop, and every reference known. Every problem about a node or an edge names it.
 */
import type { LocalizedText, Problem } from '../common/types.js';
import { checkRule } from '../rules/index.js';
import {
  edgeDataSchema,
  isNodeKind,
  nodeKindOf,
  nodeKindWaits,
  nodeOutcomes,
  NODE_KINDS,
} from '../flow/registry.js';
import { collectReferences, compileValidator } from './ajv.js';
import type { Validator } from './ajv.js';
import { flowSchema } from './flow.schema.js';
import { definitionProblem, settingLabels } from './messages.js';
import type { DefinitionMessageCode, ProblemPlace } from './messages.js';
import { joinPointer, pointerSegments } from './pointer.js';
import { checkReference, checkRuleVariables, isReferenceKind } from './references.js';
import type { DefinitionRefs } from './references.js';
import { embeddedRuleVariables, ruleVariables } from './rule-references.js';

const validateFlowShape = compileValidator(flowSchema, { rootLabel: settingLabels.flow });
const validateEdgeData = compileValidator(edgeDataSchema, {
  rootLabel: { 'zh-CN': '连线设置', en: 'connection settings' },
});

/** Config validators by node kind, compiled on first use. */
const configValidators = new Map<string, Validator | Error>();

function configValidatorOf(kind: string): Validator | Error | undefined {
  const module = nodeKindOf(kind);
  if (!module) return undefined;
  let validator = configValidators.get(kind);
  if (!validator) {
    try {
      validator = compileValidator(module.configSchema, {
        rootLabel: { 'zh-CN': '节点设置', en: 'node settings' },
      });
    } catch (error) {
      // A broken kind schema is the flow module's bug; report the node as unchecked rather than crash.
      validator = error instanceof Error ? error : new Error(String(error));
    }
    configValidators.set(kind, validator);
  }
  return validator;
}

/** Kinds where a person acts; a loop through one of them is driven by people, not automatic. */
const HUMAN_KINDS = new Set(['task', 'approval', 'confirm']);

const OUTCOME_LABELS: Record<string, LocalizedText> = {
  approved: { 'zh-CN': '通过', en: 'approved' },
  rejected: { 'zh-CN': '驳回', en: 'rejected' },
};

interface GraphNode {
  id: string;
  kind: string;
  known: boolean;
  data: Record<string, unknown>;
  index: number;
  path: string;
  label: LocalizedText;
}

interface GraphEdge {
  id: string;
  source: string;
  target: string;
  handle: string | undefined;
  data: Record<string, unknown>;
  index: number;
  path: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLocalizedName(value: unknown): value is LocalizedText {
  return (
    isRecord(value) &&
    typeof value['zh-CN'] === 'string' &&
    typeof value.en === 'string' &&
    value['zh-CN'] !== '' &&
    value.en !== ''
  );
}

function quoteList(labels: LocalizedText[]): LocalizedText {
  return {
    'zh-CN': labels.map((label) => `“${label['zh-CN']}”`).join('、'),
    en: labels.map((label) => `“${label.en}”`).join(', '),
  };
}

/**
 * Check a flow before publishing. `refs` lists what exists outside the flow (fields, teams, calendars, templates,
 * roles, users, statuses); a list left undefined is not checked. Never throws.
 */
export function checkFlow(flow: unknown, refs: DefinitionRefs = {}, basePath = '/flow'): Problem[] {
  try {
    return dedupe(new FlowChecker(flow, refs, basePath).run());
  } catch (error) {
    return [
      definitionProblem('definition.unexpectedError', basePath, {
        part: settingLabels.flow,
        detail: error instanceof Error ? error.message : String(error),
      }),
    ];
  }
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const identity = `${problem.code}\u0000${problem.path}\u0000${problem.nodeId ?? ''}\u0000${problem.edgeId ?? ''}`;
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}

class FlowChecker {
  private readonly problems: Problem[] = [];
  private readonly nodes = new Map<string, GraphNode>();
  private readonly edges: GraphEdge[] = [];
  private readonly outgoing = new Map<string, GraphEdge[]>();
  private readonly incoming = new Map<string, GraphEdge[]>();
  /** Nodes whose settings did not fit their kind: their outcomes cannot be trusted. */
  private readonly badConfig = new Set<string>();

  constructor(
    private readonly flow: unknown,
    private readonly refs: DefinitionRefs,
    private readonly basePath: string,
  ) {}

  run(): Problem[] {
    const shapeProblems = validateFlowShape(this.flow, this.basePath);
    if (!isRecord(this.flow) || !Array.isArray(this.flow.nodes) || !Array.isArray(this.flow.edges)) {
      return shapeProblems.length > 0 ? shapeProblems : [definitionProblem('flow.notObject', this.basePath)];
    }
    const rawNodes: unknown[] = this.flow.nodes;
    const rawEdges: unknown[] = this.flow.edges;
    this.problems.push(
      ...shapeProblems.map((problem) => this.placeShapeProblem(problem, rawNodes, rawEdges)),
    );

    this.collectNodes(rawNodes);
    this.collectEdges(rawEdges);
    for (const node of this.nodes.values()) this.checkNodeConfig(node);
    for (const edge of this.edges) this.checkEdgeData(edge);
    this.checkStartAndEnd();
    for (const node of this.nodes.values()) this.checkExits(node);
    this.checkReachability();
    this.checkLoops();
    this.checkParallelNesting();
    return this.problems;
  }

  // ---- Collecting the graph ----------------------------------------------------------------------------------

  /** Shape problems of a node or an edge name it too. */
  private placeShapeProblem(problem: Problem, rawNodes: unknown[], rawEdges: unknown[]): Problem {
    const [collection, index] = pointerSegments(problem.path.slice(this.basePath.length));
    const item =
      collection === 'nodes'
        ? rawNodes[Number(index)]
        : collection === 'edges'
          ? rawEdges[Number(index)]
          : undefined;
    if (!isRecord(item) || typeof item.id !== 'string') return problem;
    return collection === 'nodes' ? { ...problem, nodeId: item.id } : { ...problem, edgeId: item.id };
  }

  private collectNodes(rawNodes: unknown[]): void {
    rawNodes.forEach((raw, index) => {
      if (!isRecord(raw) || typeof raw.id !== 'string' || typeof raw.type !== 'string') return;
      const path = joinPointer(this.basePath, 'nodes', index);
      if (this.nodes.has(raw.id)) {
        this.problems.push(
          definitionProblem(
            'flow.node.duplicateId',
            joinPointer(path, 'id'),
            { id: raw.id },
            { nodeId: raw.id },
          ),
        );
        return;
      }
      const data = isRecord(raw.data) ? raw.data : {};
      const node: GraphNode = {
        id: raw.id,
        kind: raw.type,
        known: isNodeKind(raw.type),
        data,
        index,
        path,
        label: isLocalizedName(data.name) ? data.name : { 'zh-CN': raw.id, en: raw.id },
      };
      this.nodes.set(node.id, node);
      this.outgoing.set(node.id, []);
      this.incoming.set(node.id, []);
      if (!node.known) {
        this.problems.push(
          definitionProblem(
            'flow.node.unknownType',
            joinPointer(path, 'type'),
            { node: node.label, type: raw.type, allowed: [...NODE_KINDS] },
            { nodeId: node.id },
          ),
        );
      }
    });
  }

  private collectEdges(rawEdges: unknown[]): void {
    const edgeIds = new Set<string>();
    rawEdges.forEach((raw, index) => {
      if (!isRecord(raw) || typeof raw.id !== 'string') return;
      const path = joinPointer(this.basePath, 'edges', index);
      const place = { edgeId: raw.id };
      if (edgeIds.has(raw.id)) {
        this.problems.push(
          definitionProblem('flow.edge.duplicateId', joinPointer(path, 'id'), { id: raw.id }, place),
        );
        return;
      }
      edgeIds.add(raw.id);
      if (typeof raw.source !== 'string' || typeof raw.target !== 'string') return;
      let endpointsKnown = true;
      for (const end of ['source', 'target'] as const) {
        if (this.nodes.has(raw[end] as string)) continue;
        endpointsKnown = false;
        this.problems.push(
          definitionProblem(
            end === 'source' ? 'flow.edge.unknownSource' : 'flow.edge.unknownTarget',
            joinPointer(path, end),
            { edge: raw.id, node: raw[end] },
            place,
          ),
        );
      }
      if (!endpointsKnown) return;
      const edge: GraphEdge = {
        id: raw.id,
        source: raw.source,
        target: raw.target,
        handle:
          typeof raw.sourceHandle === 'string' && raw.sourceHandle !== '' ? raw.sourceHandle : undefined,
        data: isRecord(raw.data) ? raw.data : {},
        index,
        path,
      };
      this.edges.push(edge);
      this.outgoing.get(edge.source)?.push(edge);
      this.incoming.get(edge.target)?.push(edge);
    });
  }

  private node(id: string): GraphNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`flow checker lost node ${id}`);
    return node;
  }

  private outOf(id: string): GraphEdge[] {
    return this.outgoing.get(id) ?? [];
  }

  private into(id: string): GraphEdge[] {
    return this.incoming.get(id) ?? [];
  }

  private nodeWhere(node: GraphNode): LocalizedText {
    return { 'zh-CN': `节点“${node.label['zh-CN']}”`, en: `The node “${node.label.en}”` };
  }

  private edgeWhere(edge: GraphEdge): LocalizedText {
    return { 'zh-CN': `连线“${edge.id}”的条件`, en: `The condition of the connection “${edge.id}”` };
  }

  private add(
    code: DefinitionMessageCode,
    path: string,
    params: Record<string, unknown>,
    place: ProblemPlace,
  ): void {
    this.problems.push(definitionProblem(code, path, params, place));
  }

  // ---- Settings and references -------------------------------------------------------------------------------

  private checkNodeConfig(node: GraphNode): void {
    if (!node.known) return;
    const validator = configValidatorOf(node.kind);
    const place = { nodeId: node.id };
    const dataPath = joinPointer(node.path, 'data');
    if (!(validator instanceof Function)) {
      this.add(
        'flow.config.unchecked',
        dataPath,
        { node: node.label, detail: validator?.message ?? '' },
        place,
      );
      return;
    }
    const where = { 'zh-CN': `节点“${node.label['zh-CN']}”`, en: `node “${node.label.en}”` };
    const { result, references } = collectReferences(() =>
      validator(node.data, dataPath, { ...place, where }),
    );
    this.problems.push(...result);
    if (result.length > 0) this.badConfig.add(node.id);

    const nodeWhere = this.nodeWhere(node);
    for (const reference of references) {
      const path = dataPath + reference.path;
      if (reference.kind === 'node') {
        if (!this.nodes.has(reference.value)) {
          this.add('definition.ref.unknownNode', path, { where: nodeWhere, node: reference.value }, place);
        }
      } else if (isReferenceKind(reference.kind)) {
        const problem = checkReference(reference.kind, reference.value, path, this.refs, nodeWhere, place);
        if (problem) this.problems.push(problem);
      }
    }
    this.checkPeopleReferences(node.data, dataPath, nodeWhere, place);

    if (node.kind === 'action') this.checkActionRules(node, dataPath, nodeWhere, place);
    // A sub-ticket opened per item of a list also sees that `item` and its `index`.
    const perItem =
      node.kind === 'action' && isRecord(node.data.subticket) && node.data.subticket.each !== undefined
        ? joinPointer(dataPath, 'subticket', 'data') + '/'
        : undefined;
    const variables = embeddedRuleVariables(node.data, dataPath).filter(
      ({ variable, path }) =>
        perItem === undefined ||
        !path.startsWith(perItem) ||
        !['item', 'index'].includes(variable.split('.')[0] ?? ''),
    );
    this.problems.push(
      ...checkRuleVariables(variables, this.refs, {
        context: 'ticket',
        nodeIds: new Set(this.nodes.keys()),
        where: nodeWhere,
        place,
      }),
    );
  }

  /** Roles and people are named by `role`, `user` and `users` settings throughout the node kinds. */
  private checkPeopleReferences(
    value: unknown,
    path: string,
    where: LocalizedText,
    place: ProblemPlace,
  ): void {
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        this.checkPeopleReferences(item, joinPointer(path, index), where, place),
      );
      return;
    }
    if (!isRecord(value)) return;
    for (const [key, item] of Object.entries(value)) {
      const itemPath = joinPointer(path, key);
      if (key === 'role' && typeof item === 'string') {
        const problem = checkReference('role', item, itemPath, this.refs, where, place);
        if (problem) this.problems.push(problem);
      } else if (key === 'user' && typeof item === 'string') {
        const problem = checkReference('user', item, itemPath, this.refs, where, place);
        if (problem) this.problems.push(problem);
      } else if (key === 'users' && Array.isArray(item)) {
        item.forEach((user, index) => {
          if (typeof user !== 'string') return;
          const problem = checkReference('user', user, joinPointer(itemPath, index), this.refs, where, place);
          if (problem) this.problems.push(problem);
        });
      } else {
        this.checkPeopleReferences(item, itemPath, where, place);
      }
    }
  }

  /** An action sets form fields from json-logic expressions: the fields must exist and the rules be allowed. */
  private checkActionRules(
    node: GraphNode,
    dataPath: string,
    where: LocalizedText,
    place: ProblemPlace,
  ): void {
    const withNode = (problems: Problem[]) => problems.map((problem) => ({ ...problem, ...place }));
    if (isRecord(node.data.set)) {
      for (const [field, expression] of Object.entries(node.data.set)) {
        const path = joinPointer(dataPath, 'set', field);
        const problem = checkReference('field', field, path, this.refs, where, place);
        if (problem) this.problems.push(problem);
        this.problems.push(...withNode(checkRule(expression, path)));
      }
    }
    if (isRecord(node.data.webhook) && node.data.webhook.body !== undefined) {
      this.problems.push(
        ...withNode(checkRule(node.data.webhook.body, joinPointer(dataPath, 'webhook', 'body'))),
      );
    }
    if (isRecord(node.data.subticket) && node.data.subticket.each !== undefined) {
      this.problems.push(
        ...withNode(checkRule(node.data.subticket.each, joinPointer(dataPath, 'subticket', 'each'))),
      );
    }
    if (isRecord(node.data.subticket) && isRecord(node.data.subticket.data)) {
      for (const [field, expression] of Object.entries(node.data.subticket.data)) {
        this.problems.push(
          ...withNode(checkRule(expression, joinPointer(dataPath, 'subticket', 'data', field))),
        );
      }
    }
  }

  private checkEdgeData(edge: GraphEdge): void {
    const place = { edgeId: edge.id };
    const dataPath = joinPointer(edge.path, 'data');
    const where = { 'zh-CN': `连线“${edge.id}”`, en: `connection “${edge.id}”` };
    this.problems.push(...validateEdgeData(edge.data, dataPath, { ...place, where }));
    const source = this.node(edge.source);
    const hasCondition = edge.data.when !== undefined;
    if (source.kind !== 'exclusive') {
      if (hasCondition || edge.data.default === true)
        this.add('flow.edge.conditionIgnored', dataPath, { edge: edge.id }, place);
      return;
    }
    if (!hasCondition) return;
    const whenPath = joinPointer(dataPath, 'when');
    this.problems.push(...checkRule(edge.data.when, whenPath).map((problem) => ({ ...problem, ...place })));
    this.problems.push(
      ...checkRuleVariables(ruleVariables(edge.data.when, whenPath), this.refs, {
        context: 'ticket',
        nodeIds: new Set(this.nodes.keys()),
        where: this.edgeWhere(edge),
        place,
      }),
    );
  }

  // ---- Structure -----------------------------------------------------------------------------------------------

  private checkStartAndEnd(): void {
    const all = [...this.nodes.values()];
    const starts = all.filter((node) => node.kind === 'start');
    if (starts.length === 0) this.add('flow.start.missing', joinPointer(this.basePath, 'nodes'), {}, {});
    for (const extra of starts.slice(1)) {
      this.add('flow.start.multiple', extra.path, { node: extra.label }, { nodeId: extra.id });
    }
    for (const start of starts) {
      const first = this.into(start.id)[0];
      if (first)
        this.add(
          'flow.start.incoming',
          start.path,
          { node: start.label, edge: first.id },
          { nodeId: start.id },
        );
    }
    if (!all.some((node) => node.kind === 'end'))
      this.add('flow.end.missing', joinPointer(this.basePath, 'nodes'), {}, {});
  }

  private outcomesOf(node: GraphNode): string[] {
    if (!node.known) return [];
    try {
      return nodeOutcomes(node.kind, node.data);
    } catch {
      return [];
    }
  }

  private checkExits(node: GraphNode): void {
    const exits = this.outOf(node.id);
    const place = { nodeId: node.id };
    if (node.kind === 'end') {
      if (exits.length > 0) this.add('flow.end.outgoing', node.path, { node: node.label }, place);
      return;
    }
    if (exits.length === 0) {
      this.add('flow.node.deadEnd', node.path, { node: node.label }, place);
      return;
    }
    if (!node.known || this.badConfig.has(node.id)) return;
    if (node.kind === 'exclusive') return this.checkExclusiveExits(node, exits);
    if (node.kind === 'parallel') {
      if (this.into(node.id).length > 1 && exits.length > 1) {
        this.add('flow.parallel.splitAndJoin', node.path, { node: node.label }, place);
      }
      return;
    }
    const outcomes = this.outcomesOf(node);
    if (outcomes.length > 0) return this.checkOutcomeExits(node, exits, outcomes);
    if (exits.length > 1) {
      this.add('flow.node.ambiguousExit', node.path, { node: node.label, count: exits.length }, place);
      return;
    }
    const onlyTarget = exits[0] ? this.nodes.get(exits[0].target) : undefined;
    if (node.kind === 'approval' && onlyTarget?.kind !== 'exclusive') {
      this.add('flow.approval.noDecision', node.path, { node: node.label }, place);
    }
  }

  private checkExclusiveExits(node: GraphNode, exits: GraphEdge[]): void {
    const defaults = exits.filter((edge) => edge.data.default === true);
    if (defaults.length === 0)
      this.add('flow.exclusive.noDefault', node.path, { node: node.label }, { nodeId: node.id });
    if (defaults.length > 1) {
      this.add(
        'flow.exclusive.multipleDefaults',
        node.path,
        { node: node.label, count: defaults.length },
        { nodeId: node.id },
      );
    }
    for (const edge of exits) {
      const place = { nodeId: node.id, edgeId: edge.id };
      const hasCondition = edge.data.when !== undefined;
      if (edge.data.default === true && hasCondition) {
        this.add(
          'flow.exclusive.defaultWithCondition',
          joinPointer(edge.path, 'data', 'when'),
          { node: node.label, edge: edge.id },
          place,
        );
      } else if (edge.data.default !== true && !hasCondition) {
        this.add('flow.exclusive.missingCondition', edge.path, { node: node.label, edge: edge.id }, place);
      }
    }
  }

  /**
   * A node with outcomes leaves by the edge whose sourceHandle names the outcome; with a single outcome (a task's
   * implicit “done”), an edge without a sourceHandle is that outcome too — as the runner reads them.
   */
  private checkOutcomeExits(node: GraphNode, exits: GraphEdge[], outcomes: string[]): void {
    const single = outcomes.length === 1 ? outcomes[0] : undefined;
    const outcomeOf = (edge: GraphEdge) => edge.handle ?? single;
    if (single !== undefined && exits.length > 1 && exits.every((edge) => outcomeOf(edge) === single)) {
      this.add(
        'flow.node.ambiguousExit',
        node.path,
        { node: node.label, count: exits.length },
        { nodeId: node.id },
      );
      return;
    }
    for (const outcome of outcomes) {
      const byOutcome = exits.filter((edge) => outcomeOf(edge) === outcome);
      const outcomeLabel = OUTCOME_LABELS[outcome] ?? { 'zh-CN': outcome, en: outcome };
      if (byOutcome.length === 0) {
        this.add(
          node.kind === 'approval' ? 'flow.approval.missingResultEdge' : 'flow.task.missingOutcomeEdge',
          joinPointer(node.path, 'data'),
          { node: node.label, outcome: outcomeLabel },
          { nodeId: node.id },
        );
      }
      const second = byOutcome[1];
      if (second) {
        this.add(
          'flow.edge.duplicateHandle',
          joinPointer(second.path, 'sourceHandle'),
          { node: node.label, handle: outcomeLabel },
          { nodeId: node.id, edgeId: second.id },
        );
      }
    }
    for (const edge of exits) {
      const outcome = outcomeOf(edge);
      if (outcome !== undefined && outcomes.includes(outcome)) continue;
      const place = { nodeId: node.id, edgeId: edge.id };
      const params = { node: node.label, edge: edge.id, handle: edge.handle ?? '', allowed: outcomes };
      this.add(
        edge.handle === undefined ? 'flow.edge.missingHandle' : 'flow.edge.unknownHandle',
        joinPointer(edge.path, 'sourceHandle'),
        params,
        place,
      );
    }
  }

  // ---- Graph analysis ------------------------------------------------------------------------------------------

  private reach(from: string[], next: (id: string) => string[]): Set<string> {
    const seen = new Set<string>(from);
    const queue = [...from];
    while (queue.length > 0) {
      const id = queue.shift() as string;
      for (const following of next(id)) {
        if (seen.has(following)) continue;
        seen.add(following);
        queue.push(following);
      }
    }
    return seen;
  }

  private checkReachability(): void {
    const all = [...this.nodes.values()];
    const starts = all.filter((node) => node.kind === 'start').map((node) => node.id);
    if (starts.length === 0) return;
    const reachable = this.reach(starts, (id) => this.outOf(id).map((edge) => edge.target));
    for (const node of all) {
      if (!reachable.has(node.id))
        this.add('flow.node.unreachable', node.path, { node: node.label }, { nodeId: node.id });
    }
  }

  private checkLoops(): void {
    const all = [...this.nodes.values()];
    const ends = all.filter((node) => node.kind === 'end').map((node) => node.id);
    const canEnd = this.reach(ends, (id) => this.into(id).map((edge) => edge.source));

    // A closed loop with no way to an end: report the loop, not every step that leads into it.
    for (const component of this.cyclicComponents(all)) {
      const members = new Set(component.map((node) => node.id));
      if (component.some((node) => canEnd.has(node.id))) continue;
      const leaves = component.some((node) => this.outOf(node.id).some((edge) => !members.has(edge.target)));
      if (leaves) continue;
      const first = component[0] as GraphNode;
      this.add(
        'flow.loop.noExit',
        first.path,
        { nodes: quoteList(component.map((node) => node.label)) },
        { nodeId: first.id },
      );
    }

    // Without a person or a timer in it, a loop would spin on its own: look for loops among the other nodes.
    const automatic = all.filter((node) => node.known && !this.waits(node));
    for (const component of this.cyclicComponents(automatic)) {
      const first = component[0] as GraphNode;
      this.add(
        'flow.cycle.automatic',
        first.path,
        { nodes: quoteList(component.map((node) => node.label)) },
        { nodeId: first.id },
      );
    }
  }

  private waits(node: GraphNode): boolean {
    if (HUMAN_KINDS.has(node.kind)) return true;
    try {
      return nodeKindWaits(node.kind, node.data);
    } catch {
      return true;
    }
  }

  /** Strongly connected components holding a loop, each in definition order (iterative Tarjan). */
  private cyclicComponents(nodes: GraphNode[]): GraphNode[][] {
    const inSet = new Set(nodes.map((node) => node.id));
    const successors = (id: string) =>
      this.outOf(id)
        .map((edge) => edge.target)
        .filter((target) => inSet.has(target));
    const indexOf = new Map<string, number>();
    const lowLink = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const components: GraphNode[][] = [];
    let counter = 0;

    for (const root of nodes) {
      if (indexOf.has(root.id)) continue;
      const work: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
      indexOf.set(root.id, counter);
      lowLink.set(root.id, counter);
      counter += 1;
      stack.push(root.id);
      onStack.add(root.id);
      while (work.length > 0) {
        const frame = work[work.length - 1] as { id: string; next: number };
        const targets = successors(frame.id);
        if (frame.next < targets.length) {
          const target = targets[frame.next] as string;
          frame.next += 1;
          if (!indexOf.has(target)) {
            indexOf.set(target, counter);
            lowLink.set(target, counter);
            counter += 1;
            stack.push(target);
            onStack.add(target);
            work.push({ id: target, next: 0 });
          } else if (onStack.has(target)) {
            lowLink.set(frame.id, Math.min(lowLink.get(frame.id) as number, indexOf.get(target) as number));
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent)
          lowLink.set(parent.id, Math.min(lowLink.get(parent.id) as number, lowLink.get(frame.id) as number));
        if (lowLink.get(frame.id) !== indexOf.get(frame.id)) continue;
        const memberIds: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          memberIds.push(member);
        } while (member !== frame.id);
        const selfLoop = memberIds.length === 1 && successors(frame.id).includes(frame.id);
        if (memberIds.length > 1 || selfLoop) {
          components.push(memberIds.map((id) => this.node(id)).sort((a, b) => a.index - b.index));
        }
      }
    }
    return components.sort((a, b) => (a[0] as GraphNode).index - (b[0] as GraphNode).index);
  }

  // ---- Parallel branches ---------------------------------------------------------------------------------------

  private isJoin(node: GraphNode): boolean {
    return node.kind === 'parallel' && this.into(node.id).length > 1;
  }

  private isSplit(node: GraphNode): boolean {
    return node.kind === 'parallel' && !this.isJoin(node) && this.outOf(node.id).length > 1;
  }

  /**
   * Walk from the start carrying the stack of open parallel branches (split id + the edge the branch left by).
   * Every node must be reached inside the same branches whichever way the token comes; a join must be reached by
   * exactly one connection from each branch of one split — the engine's join waits for all its connections.
   */
  private checkParallelNesting(): void {
    const start = [...this.nodes.values()].find((node) => node.kind === 'start');
    if (!start) return;
    type Frame = { split: string; branch: string };
    const contexts = new Map<string, Frame[]>([[start.id, []]]);
    const arrivals = new Map<string, { edge: GraphEdge; context: Frame[] }[]>();
    const crossed = new Set<string>();
    const queue: string[] = [start.id];
    const same = (a: Frame[], b: Frame[]) =>
      a.length === b.length &&
      a.every((frame, index) => frame.split === b[index]?.split && frame.branch === b[index]?.branch);

    while (queue.length > 0) {
      const node = this.node(queue.shift() as string);
      const context = contexts.get(node.id) ?? [];
      const split = this.isSplit(node);
      for (const edge of this.outOf(node.id)) {
        let next = split ? [...context, { split: node.id, branch: edge.id }] : context;
        const target = this.node(edge.target);
        if (this.isJoin(target)) {
          const list = arrivals.get(target.id) ?? [];
          if (!list.some((arrival) => arrival.edge.id === edge.id)) list.push({ edge, context: next });
          arrivals.set(target.id, list);
          next = next.slice(0, -1);
        }
        const known = contexts.get(target.id);
        if (!known) {
          contexts.set(target.id, next);
          queue.push(target.id);
        } else if (!same(known, next) && !this.isJoin(target) && !crossed.has(target.id)) {
          crossed.add(target.id);
          this.add(
            'flow.parallel.crossedBranches',
            target.path,
            { node: target.label },
            { nodeId: target.id },
          );
        }
      }
    }

    const matchedSplits = new Set<string>();
    for (const [joinId, list] of arrivals) {
      const join = this.node(joinId);
      const place = { nodeId: join.id };
      const tops = list.map((arrival) => arrival.context.at(-1));
      const splitIds = new Set(tops.map((top) => top?.split));
      const prefixes = list.map((arrival) => arrival.context.slice(0, -1));
      const splitId = tops[0]?.split;
      if (
        splitId === undefined ||
        splitIds.size > 1 ||
        !prefixes.every((prefix) => same(prefix, prefixes[0] ?? []))
      ) {
        this.add('flow.parallel.unmatchedJoin', join.path, { node: join.label }, place);
        continue;
      }
      const split = this.node(splitId);
      matchedSplits.add(split.id);
      const branchLabel = (branchEdgeId: string) => {
        const branchEdge = this.outOf(split.id).find((edge) => edge.id === branchEdgeId);
        return branchEdge ? this.node(branchEdge.target).label : { 'zh-CN': branchEdgeId, en: branchEdgeId };
      };
      const arrived = tops.map((top) => top?.branch as string);
      const missing = this.outOf(split.id).filter((edge) => !arrived.includes(edge.id));
      if (missing.length > 0) {
        this.add(
          'flow.parallel.incompleteJoin',
          join.path,
          {
            node: join.label,
            split: split.label,
            missing: quoteList(missing.map((edge) => branchLabel(edge.id))),
          },
          place,
        );
      }
      const twice = [...new Set(arrived.filter((branch, index) => arrived.indexOf(branch) !== index))];
      for (const branch of twice) {
        this.add(
          'flow.parallel.branchJoinsTwice',
          join.path,
          { node: join.label, split: split.label, branch: branchLabel(branch) },
          place,
        );
      }
    }

    for (const nodeId of contexts.keys()) {
      const node = this.node(nodeId);
      if (this.isSplit(node) && !matchedSplits.has(node.id)) {
        this.add('flow.parallel.unmatchedSplit', node.path, { node: node.label }, { nodeId: node.id });
      }
    }
  }
}
