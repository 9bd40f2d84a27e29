import { expect } from 'chai';
import { profileOrdinal, staleCause, staleCauseText } from '../../../src/decisions/served-stale-cause.js';

const stamp = (ordinal: number, profile = 'web-tls'): string => JSON.stringify([{ profileName: 'other', ordinal: 9 }, { profileName: profile, ordinal }]);

describe('Why a Listener serves a stale certificate (decisions/served-stale-cause)', function () {
  it('reads the ordinal of one sslProfile from Skupper\'s tls-profile-context', function () {
    expect(profileOrdinal(stamp(3), 'web-tls')).to.equal(3);
    expect(profileOrdinal(stamp(0), 'web-tls')).to.equal(0);
    expect(profileOrdinal('[{"profileName":"web-tls"}]', 'web-tls'), 'no ordinal: Skupper\'s first').to.equal(0);
    expect(profileOrdinal(stamp(3), 'db-tls'), 'another profile').to.equal(undefined);
    expect(profileOrdinal(undefined, 'web-tls')).to.equal(undefined);
    expect(profileOrdinal('not json', 'web-tls')).to.equal(undefined);
    expect(profileOrdinal('{"profileName":"web-tls","ordinal":1}', 'web-tls'), 'not a list').to.equal(undefined);
  });

  it('data changed, ordinal did not (the Skupper controller is down): names the controller', function () {
    const seen = new Map([['old', 2], ['new', 2]]);
    const c = staleCause({ profile: 'web-tls', secretOrdinal: 2, servedLeaf: 'old', ordinalByLeaf: seen });
    expect(c).to.deep.equal({ kind: 'ordinal-unchanged', profile: 'web-tls', ordinal: 2 });
    expect(staleCauseText(c, 'east', 'web-tls')).to.contain('has not picked up this revision').and.contain('still 2').and.contain('down or not processing namespace east');
  });

  it('a new ordinal that the router did not reload points at the kube-adaptor and router, not the controller', function () {
    const c = staleCause({ profile: 'web-tls', secretOrdinal: 3, servedLeaf: 'old', ordinalByLeaf: new Map([['old', 2], ['new', 3]]) });
    expect(c.kind).to.equal('not-reloaded');
    expect(staleCauseText(c, 'east', 'web-tls')).to.contain('kube-adaptor');
  });

  it('an unstamped Secret names the controller; a served certificate never seen in the Secret is unknown', function () {
    expect(staleCause({ profile: 'web-tls', secretOrdinal: undefined, servedLeaf: 'old', ordinalByLeaf: new Map() }).kind).to.equal('not-stamped');
    expect(staleCause({ profile: 'web-tls', secretOrdinal: 2, servedLeaf: 'foreign', ordinalByLeaf: new Map([['new', 2]]) }).kind).to.equal('unknown');
    expect(staleCause({ profile: 'web-tls', secretOrdinal: 2, servedLeaf: undefined, ordinalByLeaf: new Map([['new', 2]]) }).kind).to.equal('unknown');
  });
});
