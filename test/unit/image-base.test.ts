import { expect } from 'chai';
import { baseImages } from '../../scripts/image/stand-ins.js';
import { buildStageTag } from '../../scripts/image/image.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const dockerfile = (build: string, runtime: string): string => `# syntax=docker/dockerfile:1\nFROM ${build} AS build\nRUN true\nFROM ${runtime}\nUSER 65532:65532\n`;

describe('scripts/image', function () {
  describe('baseImages', function () {
    it("reads the two FROM lines, the Node major and the Debian release the stand-ins must match", function () {
      const b = baseImages(dockerfile(`node:24-trixie-slim@${DIGEST}`, 'gcr.io/distroless/nodejs24-debian13:nonroot'));
      expect(b).to.deep.equal({ build: `node:24-trixie-slim@${DIGEST}`, runtime: 'gcr.io/distroless/nodejs24-debian13:nonroot', nodeMajor: 24, release: 'trixie' });
    });

    it('refuses FROM lines that disagree, or that it cannot stand in for', function () {
      expect(() => baseImages(dockerfile('node:22-trixie-slim', 'gcr.io/distroless/nodejs24-debian13:nonroot'))).to.throw(/disagree/);
      expect(() => baseImages(dockerfile('node:24-bookworm-slim', 'gcr.io/distroless/nodejs24-debian13:nonroot'))).to.throw(/disagree/);
      expect(() => baseImages(dockerfile('node:24-alpine', 'gcr.io/distroless/nodejs24-debian13:nonroot'))).to.throw(/teach scripts\/image\/stand-ins.ts/);
      expect(() => baseImages(dockerfile('node:24-trixie-slim', 'gcr.io/distroless/nodejs24-debian13'))).to.throw(/teach/);
      expect(() => baseImages('FROM node:24-trixie-slim\n')).to.throw(/teach/);
    });
  });

  it('tags the build stage beside the image, so its cached layers are not pruned', function () {
    expect(buildStageTag('localhost/skupper-cert-rotator:dev')).to.equal('localhost/skupper-cert-rotator-build-stage:dev');
    expect(buildStageTag('localhost:5000/x')).to.equal('localhost:5000/x-build-stage');
    expect(buildStageTag('x')).to.equal('x-build-stage');
  });
});
