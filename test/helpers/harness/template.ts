/**
 * A deliberately tiny template language for the server configs under `fixtures/`.
 *
 * - `{{NAME}}` is replaced by a string or number value.
 * - `{{#NAME}} ... {{/NAME}}` is a section: dropped when the value is false/undefined/empty array,
 *   kept once when `true`, repeated once per item when it is an array of objects (each item's fields
 *   are looked up first, then the enclosing scopes).
 *
 * Unknown names (sections included: pass `false` to drop one) and leftover braces throw: a silently empty `ssl_cert =` would make a server start with
 * a configuration nobody asked for.
 */
import { readFile } from 'node:fs/promises';

export type TemplateValue = string | number | boolean | undefined | TemplateScope[];
export interface TemplateScope { [name: string]: TemplateValue }

const SECTION = /^[ \t]*\{\{#([A-Z0-9_]+)\}\}[ \t]*\r?\n([\s\S]*?)^[ \t]*\{\{\/\1\}\}[ \t]*\r?\n/m;
const VARIABLE = /\{\{([A-Z0-9_]+)\}\}/g;

function lookup(scopes: TemplateScope[], name: string): TemplateValue {
  for (const scope of scopes) if (Object.hasOwn(scope, name)) return scope[name];
  throw new Error(`template: no value for {{${name}}}`);
}

function renderWith(text: string, scopes: TemplateScope[]): string {
  // Sections first (outermost first; the non-greedy body stops at the matching close tag because
  // the close tag repeats the name), then variables.
  let out = text;
  for (let m = SECTION.exec(out); m; m = SECTION.exec(out)) {
    const [whole, name, body] = m as unknown as [string, string, string];
    const value = lookup(scopes, name);
    let replacement = '';
    if (Array.isArray(value)) replacement = value.map((item) => renderWith(body, [item, ...scopes])).join('');
    else if (value) replacement = renderWith(body, scopes);
    out = out.slice(0, m.index) + replacement + out.slice(m.index + whole.length);
  }
  out = out.replace(VARIABLE, (_all, name: string) => {
    const value = lookup(scopes, name);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`template: {{${name}}} must be a string or number, got ${typeof value}`);
    }
    return String(value);
  });
  return out;
}

export function renderTemplate(text: string, values: TemplateScope): string {
  const out = renderWith(text, [values]);
  const leftover = /\{\{[^}]*\}\}/.exec(out);
  if (leftover) throw new Error(`template: unrendered tag ${leftover[0]}`);
  return out;
}

/** Renders `fixtures/<relativePath>` (resolved from this file, so the cwd does not matter). */
export async function renderFixture(relativePath: string, values: TemplateScope): Promise<string> {
  const url = new URL(`../../../fixtures/${relativePath}`, import.meta.url);
  return renderTemplate(await readFile(url, 'utf8'), values);
}
