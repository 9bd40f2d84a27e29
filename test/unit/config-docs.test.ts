// docs/configuration.md is generated from flagSpecs; this fails when either
// changed without the other. Fix: npm run docs:config.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { CONFIG_DOC_PATH, renderConfigDoc } from '../../scripts/config-docs.js';
import { envName, flagSpecs } from '../../src/config/flags.js';

describe('docs/configuration.md', function () {
  it('is what npm run docs:config generates from the flag definitions', function () {
    const committed = readFileSync(CONFIG_DOC_PATH, 'utf8');
    expect(committed === renderConfigDoc(), 'docs/configuration.md is stale: run npm run docs:config').to.equal(true);
  });

  it('lists every flag with its environment variable and default', function () {
    const doc = renderConfigDoc();
    for (const s of flagSpecs) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`--${s.name}\` |`));
      expect(row, s.name).to.be.a('string');
      expect(row).to.contain(`\`${envName(s.name)}\``);
      expect(row).to.contain(s.default === '' ? '(empty)' : `\`${s.default}\``);
    }
  });
});
