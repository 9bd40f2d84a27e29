import { expect } from 'chai';
import { parseCommandArgs } from '../../../src/commands/args.js';
import { ConfigError } from '../../../src/config/config.js';

function parseError(argv: string[]): ConfigError {
  try {
    parseCommandArgs('status', argv);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  expect.fail(`parseCommandArgs accepted ${JSON.stringify(argv)}`);
}

describe('parseCommandArgs', function () {
  it('defaults to the table output, no namespace, not all namespaces', function () {
    expect(parseCommandArgs('status', [])).to.deep.equal({ allNamespaces: false, output: 'table', rest: [] });
  });

  it('reads -n NS', function () {
    const a = parseCommandArgs('status', ['-n', 'prod']);
    expect(a.namespace).to.equal('prod');
    expect(a.rest).to.deep.equal([]);
  });

  it('reads --namespace=NS', function () {
    expect(parseCommandArgs('status', ['--namespace=prod']).namespace).to.equal('prod');
  });

  it('reads --namespace NS', function () {
    const a = parseCommandArgs('status', ['--namespace', 'prod']);
    expect(a.namespace).to.equal('prod');
    expect(a.rest).to.deep.equal([]);
  });

  it('reads -A', function () {
    expect(parseCommandArgs('status', ['-A']).allNamespaces).to.be.true;
  });

  it('reads --all-namespaces', function () {
    expect(parseCommandArgs('status', ['--all-namespaces']).allNamespaces).to.be.true;
  });

  it('reads -o json', function () {
    const a = parseCommandArgs('status', ['-o', 'json']);
    expect(a.output).to.equal('json');
    expect(a.rest).to.deep.equal([]);
  });

  it('reads --output=table', function () {
    expect(parseCommandArgs('status', ['-o', 'json', '--output=table']).output).to.equal('table');
  });

  it('reads --output json', function () {
    expect(parseCommandArgs('status', ['--output', 'json']).output).to.equal('json');
  });

  it('rejects another -o value with a ConfigError', function () {
    const e = parseError(['-o', 'yaml']);
    expect(e.message).to.contain('yaml');
    expect(e.flag).to.equal('status');
  });

  it('rejects --output=wide with a ConfigError', function () {
    expect(parseError(['--output=wide']).message).to.contain('wide');
  });

  it('rejects -n without a value', function () {
    expect(parseError(['-n']).message).to.contain('-n needs a value');
  });

  it('rejects -n followed by another option', function () {
    parseError(['-n', '-A']);
  });

  it('rejects -o without a value', function () {
    parseError(['listener/web', '-o']);
  });

  it('passes everything else through in order', function () {
    const a = parseCommandArgs('renew', ['--kubeconfig=x', '-n', 'prod', 'listener/web', '-o', 'json', '--log-level', 'debug', 'connector/db']);
    expect(a).to.deep.equal({
      namespace: 'prod',
      allNamespaces: false,
      output: 'json',
      rest: ['--kubeconfig=x', 'listener/web', '--log-level', 'debug', 'connector/db'],
    });
  });

  it('rejects a namespace that cannot exist, naming it', function () {
    for (const ns of ['Prod', 'a_b', 'x'.repeat(64), '']) {
      const e = parseError(['--namespace=' + ns]);
      expect(e.message).to.contain('is not a valid namespace name');
      expect(e.message).to.not.contain('\n');
    }
  });

  it('keeps the last namespace given', function () {
    expect(parseCommandArgs('status', ['-n', 'a', '--namespace=b']).namespace).to.equal('b');
  });

  it('does not mistake a flag starting with --namespace for the namespace option', function () {
    // Only exact --namespace or --namespace=… are the option.
    const a = parseCommandArgs('status', ['--namespaces-x']);
    expect(a.namespace).to.be.undefined;
    expect(a.rest).to.deep.equal(['--namespaces-x']);
  });
});
