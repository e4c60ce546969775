import { UsageError } from './args';

/**
 * Go's text/template, the part Docker users type in --format and inspect -f:
 *
 *   {{.A.B}}  {{.}}  {{$v.Name}}          fields of the value (JSON keys)
 *   {{index .M "key"}}  {{index .L 0}}     a map's key, a list's element
 *   {{json .X}}  {{len .L}}  {{join .L ","}}  {{upper .S}}  {{lower .S}}  {{println .X}}
 *   {{.X | json}}  {{(index .M "k").Name}}  pipelines, and parentheses
 *   {{range .L}}..{{.}}..{{end}}           also {{range $k, $v := .M}} and {{else}}
 *   {{if .X}}..{{else}}..{{end}}           Go's truth: not false, 0, "", nil, empty
 *   {{- and -}}                            trim the space beside an action
 *
 * Values print as Go prints them: strings as they are, nil as <no value>,
 * maps as map[k:v], lists as [a b]. A template that does not parse, or a
 * function it does not know, is a UsageError naming it.
 */
type Value = unknown;
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'pipe'; pipe: Cmd[] }
  | { kind: 'range'; pipe: Cmd[]; keyVar?: string; valueVar?: string; body: Node[]; otherwise: Node[] }
  | { kind: 'if'; pipe: Cmd[]; body: Node[]; otherwise: Node[] };
type Operand =
  | { kind: 'field'; base: string | undefined; path: string[] }
  | { kind: 'sub'; pipe: Cmd[]; path: string[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean };
type Cmd = { fn?: string; args: Operand[] };

const FUNCS: Record<string, (...args: Value[]) => Value> = {
  json: (v) => JSON.stringify(v ?? null),
  index: (v, ...keys) => keys.reduce((acc: Value, k) => (acc == null ? undefined : (acc as Record<string, Value>)[String(k)]), v),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  join: (v, sep) => (Array.isArray(v) ? v.map(show).join(String(sep)) : show(v)),
  upper: (v) => show(v).toUpperCase(),
  lower: (v) => show(v).toLowerCase(),
  println: (...vs) => `${vs.map(show).join(' ')}\n`,
};

/** A value as Go's fmt prints it with %v. */
export function show(v: Value): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (typeof v === 'object')
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${show((v as Record<string, Value>)[k])}`)
      .join(' ')}]`;
  return String(v);
}

function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return !!v;
}

/** {{ ... }} actions and the text between them, with {{- and -}} trimming applied. */
function lex(src: string): { text?: string; action?: string }[] {
  const out: { text?: string; action?: string }[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open);
    if (close < 0) throw new UsageError(`template: unclosed action at "${src.slice(open, open + 20)}"`);
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('- ')) {
      text = text.trimEnd();
      inner = inner.slice(1);
    }
    let next = close + 2;
    if (inner.endsWith(' -')) {
      inner = inner.slice(0, -1);
      while (next < src.length && /\s/.test(src[next]!)) next++;
    }
    if (text) out.push({ text });
    out.push({ action: inner.trim() });
    i = next;
  }
  return out;
}

function tokens(action: string): string[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||:=|,|\(|\)(?:\.\w+)*|[^\s|,"`()]+)/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(action))) out.push(m[1]!);
  if (out.join('').length !== action.replace(/\s+/g, '').length) throw new UsageError(`template: cannot read "{{${action}}}"`);
  return out;
}

function operand(tok: string, action: string): Operand {
  if (tok.startsWith('"')) return { kind: 'string', value: JSON.parse(tok) as string };
  if (tok.startsWith('`')) return { kind: 'string', value: tok.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(tok)) return { kind: 'number', value: Number(tok) };
  if (tok === 'true' || tok === 'false') return { kind: 'bool', value: tok === 'true' };
  if (tok === '.') return { kind: 'field', base: undefined, path: [] };
  if (tok.startsWith('.')) return { kind: 'field', base: undefined, path: tok.slice(1).split('.') };
  if (tok.startsWith('$')) {
    const [base, ...path] = tok.split('.');
    return { kind: 'field', base, path };
  }
  throw new UsageError(`template: "${tok}" in "{{${action}}}" is not a value (expected .Field, $var, "string" or a number)`);
}

function pipeline(toks: string[], action: string): Cmd[] {
  const cmds: Cmd[] = [];
  let cur: Operand[] = [];
  let head: string | undefined;
  const flush = () => {
    if (head === undefined && !cur.length) throw new UsageError(`template: empty command in "{{${action}}}"`);
    if (head !== undefined) cmds.push({ fn: head, args: cur });
    else if (cur.length > 1) throw new UsageError(`template: a value in "{{${action}}}" takes no arguments`);
    else cmds.push({ args: cur });
    cur = [];
    head = undefined;
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t === '|') flush();
    else if (t === '(') {
      // A parenthesized pipeline, and the fields read from its value: (index .M "k").Name
      let depth = 1;
      let j = i + 1;
      for (; j < toks.length && depth; j++) depth += toks[j] === '(' ? 1 : toks[j]!.startsWith(')') ? -1 : 0;
      if (depth) throw new UsageError(`template: unclosed ( in "{{${action}}}"`);
      const close = toks[j - 1]!;
      cur.push({ kind: 'sub', pipe: pipeline(toks.slice(i + 1, j - 1), action), path: close.length > 1 ? close.slice(2).split('.') : [] });
      i = j - 1;
    } else if (t.startsWith(')')) throw new UsageError(`template: unexpected ) in "{{${action}}}"`);
    else if (!cur.length && head === undefined && FUNCS[t]) head = t;
    else if (!cur.length && head === undefined && /^[A-Za-z]\w*$/.test(t) && t !== 'true' && t !== 'false') throw new UsageError(`template: function "${t}" not defined (accepted: ${Object.keys(FUNCS).join(', ')})`);
    else cur.push(operand(t, action));
  }
  flush();
  return cmds;
}

function parse(src: string): Node[] {
  const items = lex(src);
  let pos = 0;
  const block = (inside: string | undefined): { nodes: Node[]; ended: 'end' | 'else' | undefined } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const it = items[pos++]!;
      if (it.text !== undefined) {
        nodes.push({ kind: 'text', text: it.text });
        continue;
      }
      const action = it.action!;
      if (action.startsWith('/*')) continue;
      const toks = tokens(action);
      const word = toks[0];
      if (word === 'end' || word === 'else') {
        if (!inside) throw new UsageError(`template: unexpected {{${word}}}`);
        return { nodes, ended: word };
      }
      if (word === 'range' || word === 'if') {
        let rest = toks.slice(1);
        let keyVar: string | undefined;
        let valueVar: string | undefined;
        const decl = rest.indexOf(':=');
        if (word === 'range' && decl >= 0) {
          const vars = rest.slice(0, decl).filter((t) => t !== ',');
          [keyVar, valueVar] = vars.length === 2 ? vars : [undefined, vars[0]];
          rest = rest.slice(decl + 1);
        }
        const pipe = pipeline(rest, action);
        const body = block(word);
        let otherwise: Node[] = [];
        if (body.ended === 'else') otherwise = block(word).nodes;
        else if (body.ended !== 'end') throw new UsageError(`template: {{${word}}} has no {{end}}`);
        nodes.push(word === 'range' ? { kind: 'range', pipe, keyVar, valueVar, body: body.nodes, otherwise } : { kind: 'if', pipe, body: body.nodes, otherwise });
        continue;
      }
      nodes.push({ kind: 'pipe', pipe: pipeline(toks, action) });
    }
    if (inside) throw new UsageError(`template: {{${inside}}} has no {{end}}`);
    return { nodes, ended: undefined };
  };
  return block(undefined).nodes;
}

interface Scope {
  dot: Value;
  root: Value;
  vars: Record<string, Value>;
}

function evalOperand(o: Operand, s: Scope): Value {
  if (o.kind !== 'field' && o.kind !== 'sub') return o.value;
  let v: Value;
  if (o.kind === 'sub') v = evalPipe(o.pipe, s);
  else {
    if (o.base !== undefined && !(o.base in s.vars)) throw new UsageError(`template: undefined variable "${o.base}"`);
    v = o.base === undefined ? s.dot : s.vars[o.base];
  }
  for (const key of o.path) v = v == null || typeof v !== 'object' ? undefined : (v as Record<string, Value>)[key];
  return v;
}

function evalPipe(pipe: Cmd[], s: Scope): Value {
  let prev: Value;
  pipe.forEach((c, i) => {
    const args = c.args.map((a) => evalOperand(a, s));
    if (i > 0) args.push(prev);
    prev = c.fn ? FUNCS[c.fn]!(...args) : args[0];
  });
  return prev;
}

function exec(nodes: Node[], s: Scope, out: string[]): void {
  for (const n of nodes) {
    if (n.kind === 'text') out.push(n.text);
    else if (n.kind === 'pipe') out.push(show(evalPipe(n.pipe, s)));
    else if (n.kind === 'if') exec(truthy(evalPipe(n.pipe, s)) ? n.body : n.otherwise, s, out);
    else {
      const v = evalPipe(n.pipe, s);
      const entries: [Value, Value][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, Value>)[k]]) : [];
      if (!entries.length) exec(n.otherwise, s, out);
      for (const [k, x] of entries) {
        const vars = { ...s.vars };
        if (n.keyVar) vars[n.keyVar] = k;
        if (n.valueVar) vars[n.valueVar] = x;
        exec(n.body, { dot: x, root: s.root, vars }, out);
      }
    }
  }
}

/** A parsed template, applied to any number of values. */
export function compileTemplate(src: string): (value: Value) => string {
  const nodes = parse(src);
  return (value) => {
    const out: string[] = [];
    exec(nodes, { dot: value, root: value, vars: { $: value } }, out);
    return out.join('');
  };
}
