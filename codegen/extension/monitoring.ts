import { METRICS, metricsSource, type Metric } from '../../src/api/metrics';

/**
 * The query file for the Prometheus postgres_exporter (`--extend.query-path`, Debian's prometheus-postgres-exporter
 * 0.11), generated from the same METRICS declarations as walrus_metrics(), so both publish the same families with the
 * same names, types, help texts and values.
 *
 * The exporter names a metric `<query name>_<column>`, takes its type from the column's usage (it adds no `_total`
 * to counters), and gives every metric of a query the values of the query's LABEL columns. So the series without
 * labels are one query named `walrus` returning one row, and each labelled family is a query of its own, one row per
 * series.
 */

export const exporterQueriesPath = 'monitoring/postgres_exporter-queries.yaml';

/** The schema the extension lives in (pg_walrus.control: schema = public, not relocatable). */
const EXTENSION_SCHEMA = 'public';
const PREFIX = 'walrus';

interface Family {
  readonly name: string;
  readonly type: Metric['type'];
  readonly help: string;
  readonly series: readonly { readonly labels: ReadonlyMap<string, string>; readonly value: string }[];
}

export function parseLabels(name: string, labels: string | undefined): Map<string, string> {
  const parsed = new Map<string, string>();
  if (labels === undefined || labels === '') return parsed;
  for (const pair of labels.split(',')) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="([^"\\\n]*)"$/.exec(pair.trim());
    if (!m) throw new Error(`metric ${name}: labels ${JSON.stringify(labels)} are not name="value" pairs`);
    parsed.set(m[1]!, m[2]!);
  }
  return parsed;
}

/** The metric families in declaration order, each with its series; checks what the exporter's format needs. */
export function metricFamilies(metrics: readonly Metric[] = METRICS): Family[] {
  const families = new Map<string, { name: string; type: Metric['type']; help: string; series: Family['series'][number][] }>();
  for (const m of metrics) {
    if (!/^[a-z][a-z0-9_]*$/.test(m.name) || !m.name.startsWith(`${PREFIX}_`)) {
      throw new Error(`metric ${m.name}: names are lower-case snake_case and start with ${PREFIX}_`);
    }
    let family = families.get(m.name);
    if (family === undefined) {
      family = { name: m.name, type: m.type, help: m.help, series: [] };
      families.set(m.name, family);
    } else if (family.type !== m.type || family.help !== m.help) {
      throw new Error(`metric ${m.name}: every series of a family needs the same type and help`);
    }
    const labels = parseLabels(m.name, m.labels);
    const first = family.series[0];
    if (first !== undefined && [...first.labels.keys()].join(',') !== [...labels.keys()].join(',')) {
      throw new Error(`metric ${m.name}: every series of a family needs the same label names`);
    }
    family.series.push({ labels, value: m.value });
  }
  return [...families.values()];
}

const number = (expression: string): string => `round((${expression})::numeric)::float8`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
const yamlString = (text: string): string => JSON.stringify(text);

interface Query {
  readonly name: string;
  readonly sql: string;
  readonly columns: readonly { readonly column: string; readonly usage: 'LABEL' | 'GAUGE' | 'COUNTER'; readonly description: string }[];
}

/** `walrus_wal_bytes_per_interval` becomes query `walrus_wal`, column `bytes_per_interval`. */
function splitLabelled(name: string): { query: string; column: string } {
  const m = /^([a-z0-9]+_[a-z0-9]+)_([a-z0-9_]+)$/.exec(name);
  if (!m) throw new Error(`metric ${name}: a labelled family needs a name of at least three words for the exporter`);
  return { query: m[1]!, column: m[2]! };
}

function queries(families: readonly Family[]): Query[] {
  const source = metricsSource(EXTENSION_SCHEMA);
  const plain = families.filter((f) => f.series[0]!.labels.size === 0);
  const result: Query[] = [
    {
      name: PREFIX,
      sql: `SELECT\n${plain
        .map((f) => `  ${number(f.series[0]!.value)} AS ${f.name.slice(PREFIX.length + 1)}`)
        .join(',\n')}\nFROM ${source}`,
      columns: plain.map((f) => ({
        column: f.name.slice(PREFIX.length + 1),
        usage: f.type === 'counter' ? 'COUNTER' : 'GAUGE',
        description: f.help,
      })),
    },
  ];
  for (const f of families.filter((family) => family.series[0]!.labels.size > 0)) {
    const { query, column } = splitLabelled(f.name);
    const labelNames = [...f.series[0]!.labels.keys()];
    const rows = f.series.map((s) => `    (${[...s.labels.values()].map(literal).join(', ')}, ${number(s.value)})`);
    result.push({
      name: query,
      sql: [
        `SELECT ${labelNames.map((l) => `series.${l}`).join(', ')}, series.value AS ${column}`,
        `FROM ${source},`,
        `  LATERAL (VALUES\n${rows.join(',\n')}\n  ) AS series(${[...labelNames, 'value'].join(', ')})`,
      ].join('\n'),
      columns: [
        ...labelNames.map((l) => ({ column: l, usage: 'LABEL' as const, description: `${f.name} by ${l}` })),
        { column, usage: f.type === 'counter' ? ('COUNTER' as const) : ('GAUGE' as const), description: f.help },
      ],
    });
  }
  const names = result.map((q) => q.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`two exporter queries would be named ${duplicate}; rename a metric family`);
  return result;
}

export function exporterQueriesYaml(metrics: readonly Metric[] = METRICS): string {
  const lines = [
    '# pg_walrus metrics for the Prometheus postgres_exporter: generated by `npm run codegen` from src/api/metrics.ts',
    '# (the declarations behind walrus_metrics()). Do not edit; change the TypeScript and regenerate.',
    '#',
    '#   prometheus-postgres-exporter --extend.query-path=/path/to/postgres_exporter-queries.yaml',
    '#',
    '# The exporter names each metric <query>_<column>. Connect it (DATA_SOURCE_NAME) to the database where',
    '# pg_walrus is installed, as a role that is a member of pg_monitor.',
  ];
  for (const q of queries(metricFamilies(metrics))) {
    lines.push('', `${q.name}:`, '  query: |');
    for (const line of q.sql.split('\n')) lines.push(line === '' ? '' : `    ${line}`);
    lines.push('  master: true', '  metrics:');
    for (const c of q.columns) {
      lines.push(`    - ${c.column}:`, `        usage: ${yamlString(c.usage)}`, `        description: ${yamlString(c.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
