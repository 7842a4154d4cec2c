import type { Component } from 'vue';
import {
  ArrowDownBold,
  Calendar,
  Checked,
  CircleCheck,
  Coin,
  Document,
  EditPen,
  FolderOpened,
  Grid,
  Link,
  List,
  Paperclip,
  Star,
  Timer,
  User,
  UserFilled,
  Histogram,
  Memo,
} from '@element-plus/icons-vue';
import type { PaletteKind } from './form-model';

const ICONS: Record<PaletteKind, Component> = {
  text: EditPen,
  textarea: Document,
  number: Histogram,
  money: Coin,
  date: Calendar,
  datetime: Timer,
  daterange: Memo,
  select: ArrowDownBold,
  multiselect: List,
  radio: CircleCheck,
  checkbox: Checked,
  rating: Star,
  user: User,
  team: UserFilled,
  record: Link,
  attachment: Paperclip,
  table: Grid,
  section: FolderOpened,
};

/** The icon the palette and the canvas show for a kind of field. */
export function kindIcon(kind: PaletteKind): Component {
  return ICONS[kind];
}
