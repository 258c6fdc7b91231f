/**
 * A small, strict XML well-formedness parser for the report's tests (no XML library is
 * available): elements, attributes (quoted, unique, no `<`), character and the five predefined
 * entity references only, comments, CDATA, processing instructions and a `<!DOCTYPE html>`.
 * It throws with the offset of the first error, and returns the element tree for queries.
 */

/** One parsed element. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  /** Text directly inside this element, entities decoded, concatenated. */
  text: string;
  /** Text and child elements in document order. */
  readonly content: (string | XmlElement)[];
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));/y;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parses `source` as one XML document; throws `Error("offset N: …")` if it is not well-formed. */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`offset ${i}: ${message} near ${JSON.stringify(source.slice(Math.max(0, i - 30), i + 30))}`);
  };
  const skipSpace = (): void => {
    while (i < source.length && /\s/.test(source[i]!)) i++;
  };
  const startsWith = (s: string): boolean => source.startsWith(s, i);
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(source);
    if (m === null) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const decode = (raw: string, where: string): string =>
    raw.replace(/&[^;]*;?/g, (ref) => {
      ENTITY.lastIndex = 0;
      const m = ENTITY.exec(ref);
      if (m === null || m[0].length !== ref.length) throw new Error(`invalid entity reference ${JSON.stringify(ref)} in ${where}`);
      if (m[1] !== undefined) return PREDEFINED[m[1]]!;
      return String.fromCodePoint(Number.parseInt(m[2] ?? m[3]!, m[2] !== undefined ? 10 : 16));
    });
  const until = (end: string, what: string): string => {
    const j = source.indexOf(end, i);
    if (j < 0) fail(`unterminated ${what}`);
    const body = source.slice(i, j);
    i = j + end.length;
    return body;
  };
  /** Comments, processing instructions and (before the root) the doctype. */
  const misc = (allowDoctype: boolean): boolean => {
    if (startsWith('<!--')) {
      i += 4;
      if (until('-->', 'comment').includes('--')) fail('"--" inside a comment');
      return true;
    }
    if (startsWith('<?')) {
      i += 2;
      until('?>', 'processing instruction');
      return true;
    }
    if (allowDoctype && /^<!DOCTYPE\s/i.test(source.slice(i, i + 10))) {
      const body = until('>', 'doctype');
      if (body.includes('[') || body.includes('<', 1)) fail('unsupported doctype');
      return true;
    }
    return false;
  };
  const element = (): XmlElement => {
    if (source[i] !== '<') fail('expected "<"');
    i++;
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (startsWith('/>')) {
        i += 2;
        return { name: tag, attributes, children: [], text: '', content: [] };
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = name();
      skipSpace();
      if (source[i] !== '=') fail(`attribute ${attr} without "="`);
      i++;
      skipSpace();
      const quote = source[i];
      if (quote !== '"' && quote !== "'") return fail(`attribute ${attr} value not quoted`);
      i++;
      const value = until(quote, `attribute ${attr}`);
      if (value.includes('<')) fail(`"<" in attribute ${attr}`);
      if (Object.hasOwn(attributes, attr)) fail(`duplicate attribute ${attr}`);
      attributes[attr] = decode(value, `attribute ${attr}`);
    }
    const node: XmlElement = { name: tag, attributes, children: [], text: '', content: [] };
    for (;;) {
      if (i >= source.length) fail(`unclosed <${tag}>`);
      if (startsWith('</')) {
        i += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        skipSpace();
        if (source[i] !== '>') fail('expected ">"');
        i++;
        return node;
      }
      if (startsWith('<![CDATA[')) {
        i += 9;
        const cdata = until(']]>', 'CDATA section');
        node.text += cdata;
        node.content.push(cdata);
        continue;
      }
      if (misc(false)) continue;
      if (source[i] === '<') {
        const child = element();
        node.children.push(child);
        node.content.push(child);
        continue;
      }
      const next = source.indexOf('<', i);
      const raw = source.slice(i, next < 0 ? source.length : next);
      if (raw.includes(']]>')) fail('"]]>" in text');
      const decoded = decode(raw, `text of <${tag}>`);
      node.text += decoded;
      node.content.push(decoded);
      i += raw.length;
    }
  };

  if (source.charCodeAt(0) === 0xfeff) i = 1;
  for (;;) {
    skipSpace();
    if (!misc(true)) break;
  }
  const root = element();
  for (;;) {
    skipSpace();
    if (i >= source.length) break;
    if (!misc(false)) fail('content after the root element');
  }
  return root;
}

/** Every element of the tree, depth first (the root included). */
export function allElements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    out.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** The elements named `name`. */
export function elementsNamed(root: XmlElement, name: string): XmlElement[] {
  return allElements(root).filter((e) => e.name === name);
}

/** All text below an element (its own and its descendants'), in document order. */
export function deepText(e: XmlElement): string {
  return e.content.map((c) => (typeof c === 'string' ? c : deepText(c))).join('');
}

/** Numbers of an SVG path `d` made of M and L commands: `[[x, y], …]` per subpath. */
export function pathSubpaths(d: string): [number, number][][] {
  const out: [number, number][][] = [];
  for (const m of d.matchAll(/([ML])\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)/g)) {
    if (m[1] === 'M') out.push([]);
    out[out.length - 1]!.push([Number(m[2]), Number(m[3])]);
  }
  return out;
}

/** The numbers of a `points` attribute as pairs. */
export function pointPairs(points: string): [number, number][] {
  return points
    .trim()
    .split(/\s+/)
    .map((p) => p.split(',').map(Number) as [number, number]);
}
