import type { DeepString } from '../zh-CN';
import type { formZh } from './form.zh-CN';

/** Designer texts of the form area (English). */
export const formEn: DeepString<typeof formZh> = {
  title: 'Form',
};
