/**
 * What the studio adds to the flow registry's node kinds: an icon, a size on the canvas and the settings a node
 * starts with when dropped from the palette. Names and descriptions come from the registry itself
 * (`nodeKinds[kind].title / description`), so a kind added to `runtime/flow/registry.ts` shows in the palette with
 * the default icon; give it its own here.
 */
import type { Component } from 'vue';
import {
  Bell,
  Box,
  CircleCheck,
  Connection,
  Finished,
  Lightning,
  Share,
  Stamp,
  Timer,
  User,
  VideoPlay,
} from '@element-plus/icons-vue';
import { NODE_KINDS, nodeKindOf } from '../../../../runtime/flow/registry';
import type { LocalizedText } from '../../../../runtime/common/types';

const ICONS: Record<string, Component> = {
  start: VideoPlay,
  task: User,
  approval: Stamp,
  exclusive: Share,
  parallel: Connection,
  notify: Bell,
  action: Lightning,
  wait: Timer,
  confirm: CircleCheck,
  end: Finished,
};

export function kindIcon(kind: string): Component {
  return ICONS[kind] ?? Box;
}

/** Every node kind the registry knows, in its order. */
export const paletteKinds: readonly string[] = NODE_KINDS;

export function kindTitle(kind: string): LocalizedText {
  return nodeKindOf(kind)?.title ?? { 'zh-CN': kind, en: kind };
}

export function kindDescription(kind: string): LocalizedText | undefined {
  return nodeKindOf(kind)?.description;
}

export function kindGroup(kind: string): string {
  return nodeKindOf(kind)?.group ?? 'automation';
}

/** Size of a node on the canvas (the layout needs it before the node is drawn). */
export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

/** Kinds drawn as a round "event" (start / end) or a diamond-ish gateway: same box, different look. */
export function kindShape(kind: string): 'event' | 'gateway' | 'step' {
  const group = kindGroup(kind);
  if (group === 'event') return 'event';
  if (group === 'gateway') return 'gateway';
  return 'step';
}

/**
 * Settings a node starts with: its name, and for some kinds the least that makes it run (a task kept with the
 * routed team, a confirm step closing by itself after three days). Everything else is the analyst's to fill in;
 * what is missing shows as a problem on the node.
 */
export function initialNodeData(kind: string): Record<string, unknown> {
  const title = kindTitle(kind);
  const data: Record<string, unknown> = { name: { 'zh-CN': title['zh-CN'], en: title.en } };
  switch (kind) {
    case 'start':
      return {};
    case 'task':
      return { ...data, assign: 'routing', outcomes: ['done'] };
    case 'approval':
      return { ...data, approvers: {}, mode: 'single' };
    case 'wait':
      return { ...data, for: 'duration', duration: { amount: 1, unit: 'calendarDays' } };
    case 'confirm':
      return { ...data, autoCloseAfter: { amount: 3, unit: 'calendarDays' } };
    case 'end':
      return { status: 'closed' };
    default:
      return data;
  }
}
