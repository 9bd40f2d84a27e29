import { expect } from 'chai';
import { MissingCrdsError, crdName, missingCrdsMessage } from '../../../src/kube/crd-check.js';
import { CRD_INSTALL_HINTS, Resources, requiredResources } from '../../../src/model/resources.js';

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
    const msg = missingCrdsMessage([Resources.listener, Resources.connector, Resources.certificate], CRD_INSTALL_HINTS);
    expect(msg).to.contain('listeners.skupper.io (skupper.io/v2alpha1), connectors.skupper.io (skupper.io/v2alpha1): install Skupper v2');
    expect(msg).to.contain('https://skupper.io/v2/install.yaml');
    expect(msg).to.contain('certificates.cert-manager.io (cert-manager.io/v1): install cert-manager');
    expect(msg).to.contain('https://cert-manager.io/docs/installation/');
    expect(msg).to.not.contain('\n');
    expect(new MissingCrdsError([Resources.issuer], CRD_INSTALL_HINTS).message).to.not.contain('skupper.io');
  });
});
