// @vitest-environment node
//
// Every GraphQL document the console sends, validated against the API's schema
// (api/graphql/schema.graphql): a field that does not exist, a wrong argument or two fields
// of one name with different types (an alert origin's Detection.type and SystemError.type)
// fails here instead of as an error box in the browser.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..');
const schemaPath = join(here, '..', '..', '..', 'api', 'graphql', 'schema.graphql');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out.sort();
}

// A document is a template or string literal that starts like one: an operation keyword or a
// selection set ("{ logTypes }"), not JSON ('{"time": ...') nor a word ('query').
const looksLikeGraphQL = (s: string) => /^\s*(query|mutation|subscription)\b[^{]*\{/.test(s) || /^\s*\{\s*[A-Za-z_]/.test(s);

type Values = string[]; // the strings an expression can be

// constants maps names of string constants (const X = '...', `...`, or c ? 'a' : 'b') in
// files to the values they can take. A document's own file is looked at first.
function constants(files: ts.SourceFile[]): Map<string, Values> {
  const out = new Map<string, Values>();
  const values = (e: ts.Expression): Values | null => {
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
    if (ts.isConditionalExpression(e)) {
      const a = values(e.whenTrue);
      const b = values(e.whenFalse);
      return a && b ? [...a, ...b] : null;
    }
    if (ts.isParenthesizedExpression(e)) return values(e.expression);
    return null;
  };
  for (const f of files) {
    const visit = (n: ts.Node) => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
        const v = values(n.initializer);
        if (v) out.set(n.name.text, [...(out.get(n.name.text) ?? []), ...v]);
      }
      ts.forEachChild(n, visit);
    };
    visit(f);
  }
  return out;
}

interface Doc {
  where: string;
  text: string;
}

function documents(): Doc[] {
  const files = sourceFiles(src).map((p) => ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true));
  const global = constants(files);
  const docs: Doc[] = [];
  for (const f of files) {
    const local = constants([f]);
    const where = (n: ts.Node) => `${f.fileName.slice(src.length + 1)}:${f.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (n: ts.Node) => {
      if (ts.isNoSubstitutionTemplateLiteral(n) || ts.isStringLiteral(n)) {
        if (looksLikeGraphQL(n.text)) docs.push({ where: where(n), text: n.text });
      } else if (ts.isTemplateExpression(n) && looksLikeGraphQL(n.head.text)) {
        // Expand each ${NAME} into every value the constant can take.
        let texts = [n.head.text];
        for (const span of n.templateSpans) {
          const name = ts.isIdentifier(span.expression) ? span.expression.text : null;
          const vals = name ? (local.get(name) ?? global.get(name)) : undefined;
          if (!vals) throw new Error(`${where(span)}: \${${span.expression.getText()}} in a GraphQL document is not a string constant this test can expand`);
          texts = texts.flatMap((t) => vals.map((v) => t + v + span.literal.text));
        }
        for (const text of texts) docs.push({ where: where(n), text });
      }
      ts.forEachChild(n, visit);
    };
    visit(f);
  }
  return docs;
}

function problems(schema: GraphQLSchema, text: string): string[] {
  try {
    return validate(schema, parse(text)).map((e) => e.message);
  } catch (e) {
    return [(e as Error).message];
  }
}

describe('GraphQL operations', () => {
  const schema = buildSchema(readFileSync(schemaPath, 'utf8'));
  const docs = documents();

  it('finds the console documents', () => {
    // Every screen sends some; far fewer would mean the extraction broke.
    expect(docs.length).toBeGreaterThan(60);
    expect(docs.some((d) => d.where.startsWith('pages/AlertPage.tsx'))).toBe(true);
  });

  it('validates every one against api/graphql/schema.graphql', () => {
    const bad = docs.map((d) => ({ where: d.where, errors: problems(schema, d.text) })).filter((d) => d.errors.length > 0);
    expect(bad).toEqual([]);
  });

  it('catches fields of one name with conflicting types', () => {
    const errs = problems(schema, `query($id: ID!) { alert(id: $id) { origin { ... on Detection { type } ... on SystemError { type } } } }`);
    expect(errs.join('\n')).toMatch(/conflict/);
  });
});
