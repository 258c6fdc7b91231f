import { describe, expect, it } from 'vitest';
import { deepText, elementsNamed, parseXml } from './xml.js';

// The checker the other report tests trust: it must reject what a browser's XML parser rejects.
describe('parseXml (the tests’ well-formedness check)', () => {
  it('accepts a document with a declaration, doctype, comments, entities and CDATA', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!DOCTYPE html>\n<!-- c --><a x="1 &amp; 2" y=\'&#60;\'><b/>t &lt;&#x3e;<![CDATA[<raw>]]><c>d</c></a>\n');
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1 & 2', y: '<' });
    expect(root.text).toBe('t <><raw>');
    expect(elementsNamed(root, 'c').map(deepText)).toEqual(['d']);
  });

  it.each([
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['"<" in an attribute', '<a x="<"/>'],
    ['two roots', '<a/><b/>'],
    ['attributes without whitespace', '<a x="1"y="2"/>'],
    ['text after the root', '<a/>x'],
  ])('rejects %s', (_what, source) => {
    expect(() => parseXml(source)).toThrow(/offset|entity/);
  });
});
