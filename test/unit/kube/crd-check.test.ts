import { expect } from 'chai';
import { Resources } from '../../../src/kube/api.js';
import { MissingCrdsError, crdName, missingCrdsMessage, requiredResources } from '../../../src/kube/crd-check.js';

describe('CRD check', function () {
  it('requires what each part reads', function () {
    expect(requiredResources({ clusterIssuers: true, issuers: true }).map(crdName)).to.deep.equal([
      'listeners.skupper.io', 'connectors.skupper.io', 'certificates.cert-manager.io', 'issuers.cert-manager.io', 'clusterissuers.cert-manager.io',
    ]);
    // --cluster-issuers=false: no ClusterIssuer watch, so no need for its CRD.
    expect(requiredResources({ clusterIssuers: false, issuers: true }).map(crdName)).to.not.include('clusterissuers.cert-manager.io');
    expect(requiredResources({ clusterIssuers: false, issuers: false }).map(crdName)).to.deep.equal(['listeners.skupper.io', 'connectors.skupper.io', 'certificates.cert-manager.io']);
  });

  it('names each missing CRD and how to install it, on one line', function () {
    const msg = missingCrdsMessage([Resources.listener, Resources.connector, Resources.certificate]);
    expect(msg).to.contain('listeners.skupper.io (skupper.io/v2alpha1), connectors.skupper.io (skupper.io/v2alpha1): install Skupper v2');
    expect(msg).to.contain('https://skupper.io/v2/install.yaml');
    expect(msg).to.contain('certificates.cert-manager.io (cert-manager.io/v1): install cert-manager');
    expect(msg).to.contain('https://cert-manager.io/docs/installation/');
    expect(msg).to.not.contain('\n');
    expect(new MissingCrdsError([Resources.issuer]).message).to.not.contain('skupper.io');
  });
});
