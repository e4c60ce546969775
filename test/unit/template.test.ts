import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args';
import { formatListing, humanDuration } from '../../src/cli/format';
import { compileTemplate } from '../../src/cli/template';

const c = {
  Name: '/web',
  State: { Running: true, Pid: 42, Status: 'running' },
  Config: { Env: ['A=1', 'B=2'], Labels: {} },
  NetworkSettings: { IPAddress: '172.17.0.2', Networks: { front: { IPAddress: '10.0.0.2', Aliases: null }, back: { IPAddress: '10.1.0.2', Aliases: ['db'] } } },
};
const t = (src: string) => compileTemplate(src)(c);

describe('Go templates as Docker users type them', () => {
  it('fields, index, parentheses, json, pipelines', () => {
    expect(t('{{.NetworkSettings.IPAddress}}')).toBe('172.17.0.2');
    expect(t('{{.NetworkSettings.Networks.back.IPAddress}}')).toBe('10.1.0.2');
    expect(t('{{(index .NetworkSettings.Networks "front").IPAddress}}')).toBe('10.0.0.2');
    expect(t('{{index .Config.Env 1}}')).toBe('B=2');
    expect(t('{{json .State}}')).toBe('{"Running":true,"Pid":42,"Status":"running"}');
    expect(t('{{.State | json}}')).toBe(t('{{json .State}}'));
    expect(t('{{len .Config.Env}} {{join .Config.Env ","}} {{upper .Name}}')).toBe('2 A=1,B=2 /WEB');
  });

  it('range over maps (sorted keys) and lists, with variables, $ and else', () => {
    expect(t('{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}')).toBe('10.1.0.2 10.0.0.2 ');
    expect(t('{{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAddress}};{{end}}')).toBe('back=10.1.0.2;front=10.0.0.2;');
    expect(t('{{range .Config.Env}}{{$.Name}}:{{.}} {{end}}')).toBe('/web:A=1 /web:B=2 ');
    expect(t('{{range .Config.Labels}}x{{else}}none{{end}}')).toBe('none');
  });

  it("if with Go's truth, trimming, and Go's printing of values", () => {
    expect(t('{{if .State.Running}}up{{else}}down{{end}}')).toBe('up');
    expect(t('{{if .NetworkSettings.Networks.front.Aliases}}a{{else}}none{{end}}')).toBe('none');
    expect(t('{{- .Name -}}   !')).toBe('/web!');
    expect(t('{{.Missing}} {{.Config.Env}} {{.NetworkSettings.Networks.back}}')).toBe('<no value> [A=1 B=2] map[Aliases:[db] IPAddress:10.1.0.2]');
  });

  it('names what it cannot read', () => {
    expect(() => t('{{nope .}}')).toThrow(new UsageError('template: function "nope" not defined (accepted: json, index, len, join, upper, lower, println)'));
    expect(() => t('{{range .Config.Env}}')).toThrow(new UsageError('template: {{range}} has no {{end}}'));
    expect(() => t('{{.Name')).toThrow(UsageError);
    expect(() => t('{{$x}}')).toThrow(new UsageError('template: undefined variable "$x"'));
  });
});

describe("Docker's listings and durations", () => {
  it('human durations at their boundaries', () => {
    const s = 1000;
    expect([0.5 * s, 1 * s, 59 * s, 60 * s, 119 * s, 120 * s, 59 * 60 * s, 90 * 60 * s, 47 * 3600 * s, 48 * 3600 * s, 14 * 86400 * s, 60 * 86400 * s, 800 * 86400 * s].map(humanDuration)).toEqual([
      'Less than a second', '1 second', '59 seconds', 'About a minute', 'About a minute', '2 minutes', '59 minutes', '2 hours', '47 hours', '2 days', '2 weeks', '2 months', '2 years',
    ]);
  });

  it('table, json, table TEMPLATE and TEMPLATE', () => {
    const l = { headers: { ID: 'CONTAINER ID', Names: 'NAMES' }, columns: ['ID', 'Names'], rows: [{ ID: 'abc', Names: 'web' }, { ID: 'defdef', Names: 'db' }] };
    expect(formatListing(l, undefined)).toEqual(['CONTAINER ID   NAMES\nabc            web\ndefdef         db']);
    expect(formatListing(l, 'json')).toEqual(['{"ID":"abc","Names":"web"}', '{"ID":"defdef","Names":"db"}']);
    expect(formatListing(l, 'table {{.Names}}\\t{{.ID}}')).toEqual(['NAMES   CONTAINER ID\nweb     abc\ndb      defdef']);
    expect(formatListing(l, '{{.Names}}: {{.ID}}')).toEqual(['web: abc', 'db: defdef']);
  });
});
