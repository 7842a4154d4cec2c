import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPacks, type LoadedPack } from './pack-loader.js';

/**
 * Every word a person reads from a shipped pack comes in both languages: names and descriptions of the pack, its
 * teams and ticket types, statuses, form sections, fields (intake, step forms, table columns), every choice of
 * every choice field (a choice without a label would show its key), flow steps and labelled edges. One test
 * lists every gap at once, each by file and JSON path.
 */
const TEMPLATES_DIR = path.dirname(fileURLToPath(import.meta.url));
const LANGUAGES = ['zh-CN', 'en'] as const;
const CHOICE_WIDGETS = new Set(['select', 'multiselect', 'radio', 'checkbox']);

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

let packs: LoadedPack[] = [];
beforeAll(async () => {
  const results = await loadPacks(TEMPLATES_DIR);
  packs = results.flatMap((result) => (result.ok ? [result.pack] : []));
  expect(packs.length).toBe(results.length);
});

/** Problems of one text: missing, or a language without words. */
function checkText(gaps: string[], where: string, value: unknown, required = true): void {
  if (value === undefined && !required) return;
  const text = asObject(value);
  for (const language of LANGUAGES) {
    const words = text[language];
    if (typeof words !== 'string' || words.trim() === '') gaps.push(`${where}: no ${language} label`);
  }
}

/** The enum a field's value (or each item of it) takes, if any. */
function enumOf(property: Json): unknown[] | undefined {
  const own = property.enum ?? asObject(property.items).enum;
  return Array.isArray(own) ? own : undefined;
}

function checkField(gaps: string[], where: string, field: Json, property: Json): void {
  checkText(gaps, `${where}.label`, field.label);
  checkText(gaps, `${where}.help`, field.help, false);
  checkText(gaps, `${where}.placeholder`, field.placeholder, false);
  const options = asList(field.options).map(asObject);
  options.forEach((option, index) => checkText(gaps, `${where}.options[${index}].label`, option.label));
  const choices = enumOf(property);
  if (choices && CHOICE_WIDGETS.has(String(field.widget))) {
    const labelled = new Set(options.map((option) => option.value));
    for (const choice of choices)
      if (!labelled.has(choice)) gaps.push(`${where}: choice ${JSON.stringify(choice)} has no option label`);
  }
  const rowProperties = asObject(asObject(property.items).properties);
  asList(field.columns)
    .map(asObject)
    .forEach((column, index) =>
      checkField(gaps, `${where}.columns[${index}]`, column, asObject(rowProperties[String(column.field)])),
    );
}

function gapsOf(pack: LoadedPack): string[] {
  const gaps: string[] = [];
  checkText(gaps, `${pack.manifest.id}/pack.json name`, pack.manifest.name);
  checkText(gaps, `${pack.manifest.id}/pack.json description`, pack.manifest.description);
  pack.manifest.teams.forEach((team, index) => {
    checkText(gaps, `${pack.manifest.id}/pack.json teams[${index}].name`, team.name);
    checkText(gaps, `${pack.manifest.id}/pack.json teams[${index}].description`, team.description, false);
  });
  for (const type of pack.ticketTypes) {
    const file = `${pack.manifest.id}/${type.file}`;
    const definition = type.definition;
    checkText(gaps, `${file} name`, definition.name);
    checkText(gaps, `${file} description`, definition.description, false);
    for (const [category, statuses] of Object.entries(asObject(definition.statuses)))
      asList(statuses)
        .map(asObject)
        .forEach((status, index) =>
          checkText(gaps, `${file} statuses.${category}[${index}].name`, status.name),
        );
    const form = asObject(definition.form);
    const properties = asObject(asObject(form.schema).properties);
    asList(form.layout)
      .map(asObject)
      .forEach((section, sectionIndex) => {
        checkText(gaps, `${file} form.layout[${sectionIndex}].title`, section.title, false);
        asList(section.fields)
          .map(asObject)
          .forEach((field, index) =>
            checkField(
              gaps,
              `${file} form.layout[${sectionIndex}].fields[${index}] (${String(field.field)})`,
              field,
              asObject(properties[String(field.field)]),
            ),
          );
      });
    for (const [step, stepForm] of Object.entries(asObject(form.steps))) {
      checkText(gaps, `${file} form.steps.${step}.title`, asObject(stepForm).title, false);
      asList(asObject(stepForm).fields)
        .map(asObject)
        .forEach((field, index) =>
          checkField(
            gaps,
            `${file} form.steps.${step}.fields[${index}] (${String(field.field)})`,
            field,
            asObject(properties[String(field.field)]),
          ),
        );
    }
    const flow = asObject(definition.flow);
    asList(flow.nodes)
      .map(asObject)
      .forEach((node) =>
        checkText(gaps, `${file} flow node ${String(node.id)} name`, asObject(node.data).name),
      );
    asList(flow.edges)
      .map(asObject)
      .forEach((edge) =>
        checkText(gaps, `${file} flow edge ${String(edge.id)} label`, asObject(edge.data).label, false),
      );
  }
  return gaps;
}

describe('labels of the shipped packs', () => {
  it('name everything a person reads in both languages (choices included)', () => {
    expect(packs.flatMap(gapsOf)).toEqual([]);
  });

  it('name every ticket-type category in the studio, in both languages', async () => {
    type Messages = { default: { tickets: { typeCategory: Record<string, string> } } };
    // The studio's messages, loaded at run time: the server's type check does not follow into the studio.
    const studioLocale = (name: string) =>
      import(path.join(TEMPLATES_DIR, '../studio/src/locales', `${name}.ts`)) as Promise<Messages>;
    const zhNames = (await studioLocale('zh-CN')).default.tickets.typeCategory;
    const enNames = (await studioLocale('en')).default.tickets.typeCategory;
    const categories = new Set(
      packs.flatMap((pack) => [
        pack.manifest.category,
        ...pack.ticketTypes.map((type) => String(type.definition.category)),
      ]),
    );
    for (const category of categories) {
      expect(zhNames[category], `zh-CN name of category ${category}`).toBeTruthy();
      expect(enNames[category], `en name of category ${category}`).toBeTruthy();
    }
  });

  it('finds a missing choice label (the check itself can fail)', () => {
    const pack = structuredClone(packs.find((candidate) => candidate.manifest.id === 'it-service-desk')!);
    const incident = pack.ticketTypes.find((type) => type.key === 'it.incident')!;
    const layout = asList(asObject(incident.definition.form).layout).map(asObject);
    const impact = asList(layout.flatMap((section) => asList(section.fields)))
      .map(asObject)
      .find((field) => field.field === 'impact')!;
    impact.options = asList(impact.options).slice(1);
    const node = asObject(asList(asObject(incident.definition.flow).nodes)[0]);
    node.data = { ...asObject(node.data), name: { 'zh-CN': '开始' } };
    expect(gapsOf(pack)).toEqual([
      expect.stringContaining('choice "person" has no option label'),
      expect.stringMatching(/flow node .* name: no en label/),
    ]);
  });
});
