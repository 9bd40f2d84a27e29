// Issue 18: the chart's generated files (values.schema.json, values.yaml,
// files/flags.json, the README's values table, the copies of the alert rules
// and the dashboard) are what scripts/helm-chart.ts renders from their sources,
// and every daemon flag is a value of the chart or set by the chart itself.
// What needs the helm binary is in test/integration/helm-chart.test.ts.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { repoRoot } from '../../cluster/paths.js';
import { flagSpecs } from '../../src/config/flags.js';
import { CHART_DIR, CHART_SETS, chartFiles, chartFlags, valueKey, valuesSchema, type JsonSchema } from '../../scripts/helm-chart.js';

function defaultsOf(s: JsonSchema): unknown {
  if (s.properties && s.default === undefined) return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, defaultsOf(p)]));
  return s.default;
}

/** Every object schema with properties refuses other keys (a typo in values fails). */
function looseObjects(s: JsonSchema, path: string): string[] {
  const here = s.properties && s.additionalProperties !== false ? [path] : [];
  return [...here, ...Object.entries(s.properties ?? {}).flatMap(([k, p]) => looseObjects(p, `${path}.${k}`))];
}

describe('Helm chart sources (issue 18)', function () {
  for (const [path, expected] of chartFiles()) {
    it(`${relative(repoRoot, path)} is up to date`, function () {
      expect(readFileSync(path, 'utf8') === expected, `${relative(repoRoot, path)} differs from what its source gives; run: npm run chart:sync`).to.equal(true);
    });
  }

  it('values.yaml parses to exactly the schema\'s defaults', function () {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as unknown;
    expect(values).to.deep.equal(defaultsOf(valuesSchema()));
  });

  it('refuses unknown keys at every level it describes', function () {
    expect(looseObjects(valuesSchema(), '')).to.deep.equal([]);
  });

  it('has a value for every daemon flag the chart does not set itself, under the flag\'s camelCase name', function () {
    const names = flagSpecs.map((s) => s.name);
    expect(Object.keys(CHART_SETS).filter((n) => !names.includes(n)), 'CHART_SETS names flags that do not exist').to.deep.equal([]);
    const flags = valuesSchema().properties?.flags?.properties ?? {};
    expect(Object.keys(flags)).to.deep.equal(chartFlags().map((s) => valueKey(s.name)));
    expect(Object.keys(flags).length + Object.keys(CHART_SETS).length).to.equal(flagSpecs.length);
    expect(valueKey('leader-election-lease-duration')).to.equal('leaderElectionLeaseDuration');
    for (const s of chartFlags()) {
      const v = flags[valueKey(s.name)]?.default;
      expect(String(v), `default of flags.${valueKey(s.name)}`).to.equal(s.default);
    }
  });

  it('installs the image of this version: Chart.yaml version and appVersion are package.json\'s', function () {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect([chart.version, chart.appVersion]).to.deep.equal([version, version]);
  });
});
