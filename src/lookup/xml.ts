/**
 * A small, strict, bounded XML parser for autoconfig documents.
 *
 * Why our own rather than an npm package: clientConfig v1.1 is a few kilobytes of plain elements, and the
 * dangerous part of XML (DTDs, entity expansion, external entities — "billion laughs", XXE) is exactly what we
 * want refused, not configured away. Forty lines of well-formedness checks with hard caps on size, depth and
 * element count are easier to audit than a general parser's options, and add no dependency.
 *
 * What it accepts: an optional XML declaration, processing instructions and comments (skipped), one root
 * element, attributes in single or double quotes, CDATA sections, the five predefined entities and character
 * references. What it refuses: any `<!DOCTYPE`/`<!ENTITY`/other markup declaration, unknown entities,
 * mismatched or unclosed tags, duplicate attributes, non-ASCII names, and anything over the limits.
 */

export interface XmlElement {
  name: string;
  /** Attribute values with entities decoded (a null-prototype record: no `__proto__` surprises). */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (not its children). */
  text: string;
}

export interface XmlLimits {
  /** @default 65536 characters: real clientConfig documents are 1–10 KB. */
  maxChars: number;
  /** @default 16 */
  maxDepth: number;
  /** @default 2000 */
  maxElements: number;
  /** @default 32 per element */
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxChars: 65_536, maxDepth: 16, maxElements: 2_000, maxAttributes: 32 };

/** Thrown for malformed or refused input; `reason` is a short stable tag for tests and messages. */
export class XmlError extends Error {
  override readonly name = 'XmlError';
  constructor(
    readonly reason: 'too-large' | 'too-deep' | 'too-many-elements' | 'dtd-refused' | 'entity' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const WS = /[ \t\r\n]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(input: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const lim = { ...DEFAULT_XML_LIMITS, ...limits };
  if (input.length > lim.maxChars) throw new XmlError('too-large', `document larger than ${lim.maxChars} characters`);
  let s = input;
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  let i = 0;
  let elements = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const fail = (message: string): never => {
    throw new XmlError('malformed', `${message} at offset ${i}`);
  };
  const skipWs = (): void => {
    WS.lastIndex = i;
    WS.exec(s);
    i = WS.lastIndex;
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (!m) return fail('expected a name');
    i = NAME.lastIndex;
    return m[0];
  };
  const until = (end: string, what: string): string => {
    const j = s.indexOf(end, i);
    if (j < 0) fail(`unterminated ${what}`);
    const body = s.slice(i, j);
    i = j + end.length;
    return body;
  };

  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const textEnd = lt < 0 ? s.length : lt;
    if (textEnd > i) {
      const raw = s.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw);
      else if (raw.trim() !== '') fail('text outside the root element');
      i = textEnd;
      continue;
    }
    // s[i] === '<'
    if (s.startsWith('<?', i)) {
      i += 2;
      until('?>', 'processing instruction');
    } else if (s.startsWith('<!--', i)) {
      i += 4;
      until('-->', 'comment');
    } else if (s.startsWith('<![CDATA[', i)) {
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      i += 9;
      top!.text += until(']]>', 'CDATA section');
    } else if (s.startsWith('<!', i)) {
      // DOCTYPE, ENTITY, ELEMENT, ATTLIST…: no DTD processing at all, so no entity expansion and no external fetch.
      const kind = /^<!([A-Za-z]*)/.exec(s.slice(i, i + 20))?.[1] ?? '';
      throw new XmlError('dtd-refused', `markup declaration <!${kind}> refused: documents with a DTD or entities are not accepted`);
    } else if (s.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipWs();
      if (s[i] !== '>') fail(`expected > to close </${name}`);
      i++;
      const top = stack.pop();
      if (!top || top.name !== name) fail(`</${name}> does not close ${top ? `<${top.name}>` : 'anything'}`);
    } else {
      i++;
      if (root && stack.length === 0) fail('a second root element');
      const el: XmlElement = { name: readName(), attributes: Object.create(null) as Record<string, string>, children: [], text: '' };
      if (++elements > lim.maxElements) throw new XmlError('too-many-elements', `more than ${lim.maxElements} elements`);
      if (stack.length + 1 > lim.maxDepth) throw new XmlError('too-deep', `elements nested deeper than ${lim.maxDepth}`);
      let count = 0;
      for (;;) {
        const before = i;
        skipWs();
        if (s.startsWith('/>', i) || s[i] === '>') break;
        if (i === before) fail(`expected white space, > or /> in <${el.name}>`);
        const attr = readName();
        skipWs();
        if (s[i] !== '=') fail(`expected = after attribute ${attr}`);
        i++;
        skipWs();
        const quote = s[i];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`);
        i++;
        const value = until(quote!, `attribute ${attr}`);
        if (value.includes('<')) fail(`< in the value of attribute ${attr}`);
        if (Object.hasOwn(el.attributes, attr)) fail(`duplicate attribute ${attr}`);
        if (++count > lim.maxAttributes) throw new XmlError('too-many-elements', `more than ${lim.maxAttributes} attributes on <${el.name}>`);
        el.attributes[attr] = decodeEntities(value);
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else root = el;
      if (s.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    }
  }
  if (stack.length > 0) throw new XmlError('malformed', `<${stack[stack.length - 1]!.name}> is not closed`);
  if (!root) throw new XmlError('malformed', 'no root element');
  return root;
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]{0,12});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlError('entity', `bare & or unterminated reference "${whole}"`);
    if (Object.hasOwn(PREDEFINED, ref)) return PREDEFINED[ref]!;
    const num = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (num) {
      const cp = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2]!, 10);
      // XML 1.0 §2.2 Char: no NUL, no surrogates, nothing above U+10FFFF.
      if (cp === 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) throw new XmlError('entity', `character reference &${ref}; is not a legal character`);
      return String.fromCodePoint(cp);
    }
    throw new XmlError('entity', `unknown entity &${ref}; (only the five predefined entities are accepted)`);
  });
}

/** First child element named `name` (case-sensitive, as XML is). */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Trimmed text of the first child named `name`. */
export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? c.text.trim() : undefined;
}
