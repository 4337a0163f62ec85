/**
 * Graph API field expansion, as the fake reads it
 * (https://developers.facebook.com/docs/graph-api/field-expansion):
 * `fields=id,media.limit(12){like_count,comments_count},reactions.summary(total_count).limit(0)`.
 * A field has a name, modifiers (`.limit(12)`, `.summary(total_count)`, `.username(bluebottle)`)
 * and, for edges and object fields, nested fields in braces.
 */

export interface FieldSpec {
  readonly name: string;
  /** Modifier name → its raw argument, e.g. `limit` → `12`. */
  readonly modifiers: Readonly<Record<string, string>>;
  /** Nested fields in braces; undefined when none were given. */
  readonly children?: readonly FieldSpec[];
}

/** A malformed `fields` parameter (Graph answers it with code 100). */
export class FieldSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSyntaxError';
  }
}

const NAME = /[A-Za-z0-9_]/;

/** Parses a `fields` parameter; throws `FieldSyntaxError` on malformed input. */
export const parseFields = (input: string): FieldSpec[] => {
  let i = 0;
  const peek = () => input[i];
  const name = (): string => {
    const start = i;
    while (i < input.length && NAME.test(input[i]!)) i++;
    if (start === i) throw new FieldSyntaxError(`Syntax error "Expected name." at character ${i}: ${input}`);
    return input.slice(start, i);
  };
  const argument = (): string => {
    // `(` already consumed; arguments may hold commas (`metric(views,reach)`), never parentheses.
    const start = i;
    while (i < input.length && input[i] !== ')') i++;
    if (peek() !== ')') throw new FieldSyntaxError(`Syntax error "Expected ")"." at character ${i}: ${input}`);
    const arg = input.slice(start, i);
    i++;
    return arg;
  };
  const list = (closing: string | undefined): FieldSpec[] => {
    const out: FieldSpec[] = [];
    for (;;) {
      while (peek() === ' ') i++;
      const fieldName = name();
      const modifiers: Record<string, string> = {};
      while (peek() === '.') {
        i++;
        const mod = name();
        if (peek() !== '(') throw new FieldSyntaxError(`Syntax error "Expected "("." at character ${i}: ${input}`);
        i++;
        modifiers[mod] = argument();
      }
      let children: FieldSpec[] | undefined;
      if (peek() === '{') {
        i++;
        children = list('}');
      }
      out.push({ name: fieldName, modifiers, ...(children !== undefined && { children }) });
      while (peek() === ' ') i++;
      if (peek() === ',') {
        i++;
        continue;
      }
      if (closing !== undefined) {
        if (peek() !== closing) throw new FieldSyntaxError(`Syntax error "Expected "${closing}"." at character ${i}: ${input}`);
        i++;
        return out;
      }
      if (i !== input.length) throw new FieldSyntaxError(`Syntax error "Expected end of string instead of "${peek()}"." at character ${i}: ${input}`);
      return out;
    }
  };
  if (input.trim() === '') return [];
  return list(undefined);
};

/** The fields to render: the requested ones, or the node's defaults when `fields` is absent. */
export const requestedFields = (query: URLSearchParams, defaults: readonly string[]): FieldSpec[] => {
  const raw = query.get('fields');
  return raw === null ? defaults.map((name) => ({ name, modifiers: {} })) : parseFields(raw);
};
