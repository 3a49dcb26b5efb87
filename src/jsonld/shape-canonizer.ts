/**
 * RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, compiled once per document shape.
 *
 * Nearly all the cost of eddsa-rdfc-2022 is JSON-LD expansion and conversion to RDF in jsonld.js,
 * and for documents of one shape (the same keys, types, contexts and array lengths; other values
 * differ) that work is the same every time. So the shape is compiled once: the document with every
 * value replaced by a unique sentinel goes through `jsonld.toRDF` exactly as the standard path does,
 * and where each sentinel comes out — as an IRI, or as a literal's lexical form — becomes a slot in a
 * quad template. A document of that shape then gets its dataset by putting its own values in the
 * slots, and `rdf-canonize` canonicalises that dataset as it would the one from jsonld.js.
 *
 * It is exact only where a value's place in the output cannot depend on what the value is, so:
 * - `@context`, `type`/`@type` and every other `@` keyword value are part of the shape (they
 *   change the active context and term definitions), as are booleans and null;
 * - a value that lands in an IRI position must be a plain absolute IRI that jsonld.js keeps as it is;
 *   one it would read by what it is (a term such as `assertionMethod`, a compact IRI, a blank node
 *   id) becomes part of the shape, so the shape is compiled again with that value in place;
 * - numbers keep jsonld.js's rule for integer or double form; the form found for the sentinel is used;
 * - a shape whose sentinels come out any other way (changed, dropped, inside a datatype or a language)
 *   is never compiled, and all its documents take the standard path;
 * - the slot values can make two quads equal where the sentinels did not (the same node reached
 *   twice, the same tag twice): a dataset is a set, so the later one is dropped, as jsonld.js's node
 *   map does.
 *
 * test/jsonld/shape-canonizer.test.ts compares the output byte for byte with the standard path on
 * thousands of generated documents.
 */
import jsonld from 'jsonld';
import * as rdfCanonize from 'rdf-canonize';
import { createCache } from '../cache.js';
import type { DocumentLoader } from './document-loader.js';

interface NamedNode {
  termType: 'NamedNode';
  value: string;
}
interface Term {
  termType: 'NamedNode' | 'BlankNode' | 'Literal' | 'DefaultGraph';
  value: string;
  datatype?: NamedNode;
  language?: string;
}
interface Quad {
  subject: Term;
  predicate: Term;
  object: Term;
  graph: Term;
}

type NumberForm = 'fixed' | 'double';
/** A template term: a fixed term, or a slot to fill with the document's value at `slot`. */
type TemplateTerm = Term | { slot: number; iri: true } | { slot: number; iri: false; literal: Term; number?: NumberForm };
type TemplateQuad = [TemplateTerm, TemplateTerm, TemplateTerm, TemplateTerm];

interface Template {
  quads: TemplateQuad[];
  /**
   * Pairs of quads (i < j) that some slot values could make equal; when they are, j is dropped.
   * Found once per shape, so filling compares a handful of pairs rather than keying every quad.
   */
  mayCollide: [number, number][];
  /** Slots that land in an IRI position (their values must be plain absolute IRIs). */
  iriSlots: number[];
  /** Terms the document's contexts define: an IRI whose scheme is one of them would be expanded. */
  terms: Set<string>;
  /**
   * For a checked canonizer: whether the standard path has agreed with this template on a document
   * of its shape (undefined until one was compared).
   */
  agreed?: boolean;
}

/** The options the eddsa-rdfc-2022 cryptosuite gives jsonld.js (its canonize.js). */
const TO_RDF_OPTIONS = { base: null, safe: true, rdfDirection: 'i18n-datatype', produceGeneralizedRdf: false } as const;
const CANONIZE_OPTIONS = { algorithm: 'RDFC-1.0', format: 'application/n-quads' } as const;

const SENTINEL_PREFIX = 'urn:x-ieum-slot:';
const SENTINEL = /^urn:x-ieum-slot:(\d+)$/;
/** Sentinel numbers: no fraction for integer-form slots, a fraction for double-form ones. */
const SENTINEL_NUMBER_BASE = 900_000_000;

/** jsonld.js types.isDouble: a number with a '.' in its string form, or ≥ 1e21. */
const isDouble = (n: number) => String(n).includes('.') || Math.abs(n) >= 1e21;
/** jsonld.js toRdf: a number's lexical form in each of its two forms. */
const numberLexical = (n: number, form: NumberForm) => (form === 'fixed' ? n.toFixed(0) : n.toExponential(15).replace(/(\d)0*e\+?/, '$1E'));

/**
 * A plain absolute IRI (RFC 3987 scheme, no white space or characters N-Quads would have to escape),
 * as jsonld.js keeps it. Blank node ids (`_:`) are excluded by the scheme's first letter.
 */
const PLAIN_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\u0000-\u0020<>"{}|\\^`\u007f-\u009f]*$/;

/** Values of these keys are part of the shape: they change how everything else is read. */
const isShapeKey = (key: string) => key === 'type' || (key.startsWith('@') && key !== '@id');

type Slot = string | number;

/** The document's shape as a string; its slot values are pushed in walk order. */
function shapeOf(value: unknown, slots: Slot[]): string {
  if (typeof value === 'string') {
    slots.push(value);
    return 's';
  }
  if (typeof value === 'number') {
    slots.push(value);
    return isDouble(value) ? 'd' : 'i';
  }
  if (Array.isArray(value)) {
    let shape = '[';
    for (const item of value) shape += shapeOf(item, slots) + ',';
    return shape + ']';
  }
  if (value && typeof value === 'object') {
    let shape = '{';
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      shape += JSON.stringify(key) + ':' + (isShapeKey(key) ? (JSON.stringify(child) ?? 'u') : shapeOf(child, slots)) + ',';
    }
    return shape + '}';
  }
  // booleans, null (dropped by JSON-LD), undefined (dropped by JSON)
  return JSON.stringify(value) ?? 'u';
}

/**
 * The document with its slots replaced by sentinels, walked in the same order as shapeOf. Slots in
 * `kept` keep their own value (it is part of the shape key then).
 */
function withSentinels(value: unknown, kept: ReadonlySet<number>, next: { index: number }): unknown {
  if (typeof value === 'string' || typeof value === 'number') {
    const index = next.index++;
    if (kept.has(index)) return value;
    return typeof value === 'string' ? `${SENTINEL_PREFIX}${index}` : SENTINEL_NUMBER_BASE + index + (isDouble(value) ? 0.5 : 0);
  }
  if (Array.isArray(value)) return value.map((item) => withSentinels(item, kept, next));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      out[key] = isShapeKey(key) ? child : withSentinels(child, kept, next);
    }
    return out;
  }
  return value;
}

/** Every term a context document defines, following nested and referenced contexts. */
async function definedTerms(context: unknown, loader: DocumentLoader, terms: Set<string>, seen: Set<string>): Promise<void> {
  if (typeof context === 'string') {
    if (seen.has(context)) return;
    seen.add(context);
    const { document } = await loader(context);
    await definedTerms((document as { '@context'?: unknown })['@context'], loader, terms, seen);
  } else if (Array.isArray(context)) {
    for (const item of context) await definedTerms(item, loader, terms, seen);
  } else if (context && typeof context === 'object') {
    const local = context as Record<string, unknown>;
    // jsonld.js reads `{ "@context": … }` as the context inside it (the W3C suites write inline
    // contexts so), and `@import` brings in another context's terms.
    if ('@context' in local) return definedTerms(local['@context'], loader, terms, seen);
    if (typeof local['@import'] === 'string') await definedTerms(local['@import'], loader, terms, seen);
    for (const [key, definition] of Object.entries(local)) {
      if (!key.startsWith('@')) terms.add(key);
      if (definition && typeof definition === 'object') await definedTerms((definition as { '@context'?: unknown })['@context'], loader, terms, seen);
    }
  }
}

class NotCompilable extends Error {}

/** Turns the sentinel document's quads into a template; throws NotCompilable when a slot is unclear. */
function templateOf(dataset: Quad[], slots: Slot[], kept: ReadonlySet<number>): Omit<Template, 'terms'> {
  const seen = new Array<'iri' | 'literal' | undefined>(slots.length);
  const use = (slot: number, kind: 'iri' | 'literal') => {
    if (slot >= slots.length || kept.has(slot)) throw new NotCompilable();
    if (seen[slot] && seen[slot] !== kind) throw new NotCompilable();
    seen[slot] = kind;
  };
  const numberSlot = (term: Term): { slot: number; form: NumberForm } | undefined => {
    const n = Number(term.value);
    const slot = Math.floor(n) - SENTINEL_NUMBER_BASE;
    if (!Number.isFinite(n) || slot < 0 || slot >= slots.length || typeof slots[slot] !== 'number') return undefined;
    const sentinel = SENTINEL_NUMBER_BASE + slot + (isDouble(slots[slot] as number) ? 0.5 : 0);
    for (const form of ['fixed', 'double'] as const) if (numberLexical(sentinel, form) === term.value) return { slot, form };
    return undefined;
  };
  const toTemplate = (term: Term): TemplateTerm => {
    if (term.datatype?.value.includes(SENTINEL_PREFIX) || term.language?.includes(SENTINEL_PREFIX)) throw new NotCompilable();
    const match = SENTINEL.exec(term.value);
    if (match) {
      const slot = Number(match[1]);
      if (typeof slots[slot] !== 'string') throw new NotCompilable();
      if (term.termType === 'NamedNode') {
        use(slot, 'iri');
        return { slot, iri: true };
      }
      if (term.termType === 'Literal') {
        use(slot, 'literal');
        return { slot, iri: false, literal: term };
      }
      throw new NotCompilable();
    }
    if (term.value.includes(SENTINEL_PREFIX)) throw new NotCompilable();
    if (term.termType === 'Literal' && /^[0-9.E+-]+$/.test(term.value)) {
      const number = numberSlot(term);
      if (number) {
        use(number.slot, 'literal');
        return { slot: number.slot, iri: false, literal: term, number: number.form };
      }
    }
    return term;
  };
  const quads = dataset.map((q) => [toTemplate(q.subject), toTemplate(q.predicate), toTemplate(q.object), toTemplate(q.graph)] as TemplateQuad);
  // A slot that appears nowhere was dropped; whether its real value would be is not known.
  for (let i = 0; i < slots.length; i++) if (!seen[i] && !kept.has(i)) throw new NotCompilable();
  const iriSlots = seen.flatMap((kind, i) => (kind === 'iri' ? [i] : []));
  const mayCollide: [number, number][] = [];
  for (let i = 0; i < quads.length; i++) {
    for (let j = i + 1; j < quads.length; j++) {
      if (quads[i]!.every((t, k) => mayBeEqual(t, quads[j]![k]!))) mayCollide.push([i, j]);
    }
  }
  return { quads, mayCollide, iriSlots };
}

const sameTerm = (a: Term, b: Term) => a.termType === b.termType && a.value === b.value && a.datatype?.value === b.datatype?.value && a.language === b.language;

/** Could these two template terms be filled to the same term? (Conservative: yes when unsure.) */
function mayBeEqual(a: TemplateTerm, b: TemplateTerm): boolean {
  const kind = (t: TemplateTerm) => ('slot' in t ? (t.iri ? 'NamedNode' : 'Literal') : t.termType);
  if (kind(a) !== kind(b)) return false;
  if (!('slot' in a) && !('slot' in b)) return sameTerm(a, b);
  const literal = (t: TemplateTerm) => ('slot' in t ? (t.iri ? undefined : t.literal) : t);
  const [la, lb] = [literal(a), literal(b)];
  return !la || !lb || (la.datatype?.value === lb.datatype?.value && la.language === lb.language);
}

/** Would jsonld.js keep this IRI exactly as it is, given the terms the contexts define? */
function keptAsIs(value: string, terms: Set<string>): boolean {
  if (!PLAIN_IRI.test(value) || terms.has(value)) return false;
  const colon = value.indexOf(':');
  // jsonld.js expands `prefix:suffix` as a compact IRI when prefix is a term, unless suffix starts '//'.
  return value.startsWith('//', colon + 1) || !terms.has(value.slice(0, colon));
}

function fill(template: Template, slots: Slot[]): Quad[] {
  const term = (t: TemplateTerm): Term => {
    if (!('slot' in t)) return t;
    const value = slots[t.slot]!;
    if (t.iri) return { termType: 'NamedNode', value: value as string };
    return { ...t.literal, value: t.number ? numberLexical(value as number, t.number) : (value as string) };
  };
  const quads: Quad[] = template.quads.map(([s, p, o, g]) => ({ subject: term(s), predicate: term(p), object: term(o), graph: term(g) }));
  let duplicates: Set<number> | undefined;
  for (const [i, j] of template.mayCollide) {
    const [a, b] = [quads[i]!, quads[j]!];
    if (sameTerm(a.subject, b.subject) && sameTerm(a.predicate, b.predicate) && sameTerm(a.object, b.object) && sameTerm(a.graph, b.graph)) {
      duplicates ??= new Set();
      duplicates.add(j);
    }
  }
  return duplicates ? quads.filter((_, i) => !duplicates.has(i)) : quads;
}

export interface ShapeCanonizer {
  /** Canonical N-Quads, identical to the eddsa-rdfc-2022 cryptosuite's canonize of the document. */
  canonize(document: Record<string, unknown>): Promise<string>;
  /** How many documents took the compiled path and how many the standard one (for tests and bench). */
  readonly stats: { compiled: number; standard: number; shapes: number; disagreed: number };
}

/** The standard path: what @digitalbazaar/eddsa-rdfc-2022-cryptosuite does. */
async function canonizeStandard(document: Record<string, unknown>, documentLoader: DocumentLoader): Promise<string> {
  const dataset = await jsonld.toRDF(document, { ...TO_RDF_OPTIONS, documentLoader });
  return rdfCanonize.canonize(dataset, CANONIZE_OPTIONS);
}

/**
 * `checked`: for documents from anywhere (verification). A shape's template is used only after the
 * standard path gave the same N-Quads for the first document of that shape seen here; a shape where
 * they differ takes the standard path for good. Each compiled shape then costs one standard
 * canonicalisation per thread, and the rest of its documents are filled in.
 */
export function createShapeCanonizer(options: { documentLoader: DocumentLoader; maxShapes?: number; checked?: boolean }): ShapeCanonizer {
  const { documentLoader, checked = false } = options;
  const maxShapes = options.maxShapes ?? 256;
  /**
   * Shape → its template, or null when the shape cannot be compiled. The first in goes first: a
   * service sees few shapes, and a flood of new ones cannot grow this.
   */
  const templates = createCache<Promise<Template | null>>({ maxEntries: maxShapes });
  const stats = { compiled: 0, standard: 0, shapes: 0, disagreed: 0 };

  async function compile(document: Record<string, unknown>, slots: Slot[], kept: ReadonlySet<number>): Promise<Template | null> {
    try {
      const sentinelDocument = withSentinels(document, kept, { index: 0 }) as Record<string, unknown>;
      // A sentinel must mean its slot alone: not compiled when a kept value, key or type holds one.
      const sentinels = JSON.stringify(sentinelDocument).split(SENTINEL_PREFIX).length - 1;
      if (sentinels !== slots.filter((slot, i) => typeof slot === 'string' && !kept.has(i)).length) return null;
      const dataset = (await jsonld.toRDF(sentinelDocument, { ...TO_RDF_OPTIONS, documentLoader })) as Quad[];
      const terms = new Set<string>();
      await definedTerms(document['@context'], documentLoader, terms, new Set());
      return { ...templateOf(dataset, slots, kept), terms };
    } catch {
      // Not compilable, or jsonld.js refuses the shape: the standard path gives the real answer.
      return null;
    }
  }

  function templateFor(key: string, document: Record<string, unknown>, slots: Slot[], kept: ReadonlySet<number>): Promise<Template | null> {
    let template = templates.get(key);
    if (!template) {
      template = compile(document, slots, kept);
      stats.shapes++;
      templates.set(key, template);
    }
    return template;
  }

  /** The template for this document: its shape, and the values it must keep where they are not plain IRIs. */
  async function templateOfDocument(document: Record<string, unknown>, slots: Slot[]): Promise<Template | null> {
    const key = shapeOf(document, slots);
    const template = await templateFor(key, document, slots, NONE);
    if (!template) return null;
    // A term, compact IRI or blank node id where the shape has an IRI (`proofPurpose:
    // "assertionMethod"`, an `@vocab` term): jsonld.js reads it by what it is, so it joins the shape.
    const kept = template.iriSlots.filter((slot) => !keptAsIs(slots[slot] as string, template.terms));
    if (kept.length === 0) return template;
    const special = await templateFor(key + '\u0000' + JSON.stringify(kept.map((slot) => [slot, slots[slot]])), document, slots, new Set(kept));
    if (!special) return null;
    return special.iriSlots.every((slot) => keptAsIs(slots[slot] as string, special.terms)) ? special : null;
  }

  return {
    stats,
    async canonize(document) {
      const slots: Slot[] = [];
      const template = await templateOfDocument(document, slots);
      if (!template || template.agreed === false) {
        stats.standard++;
        return canonizeStandard(document, documentLoader);
      }
      if (checked && template.agreed === undefined) {
        const [standard, compiled] = await Promise.all([
          canonizeStandard(document, documentLoader),
          rdfCanonize.canonize(fill(template, slots), CANONIZE_OPTIONS),
        ]);
        // Concurrent first documents of one shape may each compare; one disagreement settles it.
        if (template.agreed !== false) template.agreed = standard === compiled;
        if (standard !== compiled) stats.disagreed++;
        stats.standard++;
        return standard;
      }
      stats.compiled++;
      return rdfCanonize.canonize(fill(template, slots), CANONIZE_OPTIONS);
    },
  };
}

const NONE: ReadonlySet<number> = new Set();
