import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { repoRoot } from '../../cluster/paths.js';
import { DockerfileError, nodeImage, nodeMajorInRange, parseDockerfile, parseDockerignore, stageConfig, standInMismatch } from '../support/dockerfile.js';

const parse = (lines: string[]): ReturnType<typeof parseDockerfile> => parseDockerfile(lines.join('\n'));

/** The error a Dockerfile fails with, so each case can name its line and cause. */
function rejection(lines: string[]): DockerfileError {
  try {
    parse(lines);
  } catch (err) {
    if (err instanceof DockerfileError) return err;
    throw err;
  }
  throw new Error(`accepted:\n${lines.join('\n')}`);
}

describe('test/support/dockerfile', function () {
  describe('parseDockerfile', function () {
    it("parses the repository's Dockerfile", function () {
      const df = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
      expect(df.directives.syntax).to.equal('docker/dockerfile:1');
      expect(df.stages.length).to.be.greaterThan(1);
      expect(df.stages.at(-1)?.instructions.some((i) => i.kind === 'ENTRYPOINT')).to.equal(true);
    });

    it('reads stages, instructions, continuations and comments', function () {
      const df = parse([
        '# syntax=docker/dockerfile:1.7',
        '# a comment',
        'from node:22-slim as build',
        'WORKDIR /app',
        'COPY package.json package-lock.json ./',
        'RUN npm ci \\',
        '    # dropped inside a continuation, as Docker does',
        '    --omit=dev \\  ',
        '',
        '    && echo done',
        'FROM gcr.io/distroless/nodejs22-debian12:nonroot',
        'WORKDIR /app',
        'WORKDIR dist',
        'COPY --from=build /app/node_modules ./node_modules',
        'ENV A=1 B="two words"',
        `LABEL org.opencontainers.image.title="x \\"y\\"" \\`,
        "      org.opencontainers.image.licenses='Apache-2.0' plain=a\\ b",
        'USER 65532:65532',
        'EXPOSE 9090 8081/tcp',
        'ENTRYPOINT ["/nodejs/bin/node", "cli.js"]',
        'CMD ["run"]',
      ]);
      expect(df.directives).to.deep.equal({ syntax: 'docker/dockerfile:1.7' });
      const [build, final] = df.stages;
      expect(build?.name).to.equal('build');
      expect(build?.image).to.equal('node:22-slim');
      expect(build?.instructions[1]).to.deep.equal({ kind: 'COPY', line: 5, sources: ['package.json', 'package-lock.json'], dest: './' });
      const run = build?.instructions[2];
      expect(run?.line).to.equal(6);
      expect(run?.kind === 'RUN' ? run.command.replace(/\s+/g, ' ') : '').to.equal('npm ci --omit=dev && echo done');
      expect(final?.name).to.equal(undefined);
      expect(final?.line).to.equal(11);
      expect(final?.instructions[2]).to.deep.equal({ kind: 'COPY', line: 14, from: 'build', sources: ['/app/node_modules'], dest: './node_modules' });
      expect(stageConfig(final ?? build!)).to.deep.equal({
        workdir: '/app/dist',
        user: '65532',
        group: '65532',
        env: { A: '1', B: 'two words' },
        labels: { 'org.opencontainers.image.title': 'x "y"', 'org.opencontainers.image.licenses': 'Apache-2.0', plain: 'a b' },
        exposed: ['9090', '8081/tcp'],
        entrypoint: ['/nodejs/bin/node', 'cli.js'],
        cmd: ['run'],
      });
    });

    it('treats a later "# syntax=" as a comment', function () {
      const df = parse(['# hello', '# syntax=whatever/frontend', 'FROM node:22-slim']);
      expect(df.directives).to.deep.equal({});
    });

    const rejected: [string, string[], number, RegExp][] = [
      ['an unknown instruction', ['FROM node:22-slim', 'ADD https://example.com/x /x'], 2, /ADD: instruction is not supported/],
      ['ARG (variables are not replayed)', ['ARG V=22', 'FROM node:${V}-slim'], 1, /ARG: before the first FROM/],
      ['HEALTHCHECK', ['FROM node:22-slim', 'HEALTHCHECK CMD ["true"]'], 2, /HEALTHCHECK: instruction is not supported/],
      ['SHELL', ['FROM node:22-slim', 'SHELL ["bash", "-c"]'], 2, /SHELL: instruction is not supported/],
      ['COPY --chown', ['FROM node:22-slim', 'COPY --chown=1:1 a b'], 2, /COPY: flag --chown is not supported/],
      ['COPY --link', ['FROM node:22-slim', 'COPY --link a b'], 2, /COPY: flag --link is not supported/],
      ['RUN --mount', ['FROM node:22-slim', 'RUN --mount=type=cache,target=/root/.npm npm ci'], 2, /RUN: flag --mount is not supported/],
      ['FROM --platform', ['FROM --platform=linux/amd64 node:22-slim'], 1, /FROM: flag --platform is not supported/],
      ['COPY --from an external image', ['FROM node:22-slim', 'COPY --from=busybox /bin/sh /sh'], 2, /not an earlier stage/],
      ['COPY --from its own stage', ['FROM node:22-slim AS a', 'COPY --from=a /x /y'], 2, /not an earlier stage/],
      ['COPY wildcards', ['FROM node:22-slim', 'COPY *.json ./'], 2, /wildcards/],
      ['COPY outside the context', ['FROM node:22-slim', 'COPY ../secret ./'], 2, /outside the build context/],
      ['COPY several sources to a file', ['FROM node:22-slim', 'COPY a b dest'], 2, /must end with/],
      ['COPY in JSON form', ['FROM node:22-slim', 'COPY ["a", "b"]'], 2, /JSON form/],
      ['variables in COPY', ['FROM node:22-slim', 'COPY $SRC ./'], 2, /variable expansion/],
      ['variables in LABEL', ['FROM node:22-slim', 'LABEL v="$VERSION"'], 2, /variable expansion/],
      ['the legacy ENV form', ['FROM node:22-slim', 'ENV NODE_ENV production'], 2, /legacy/],
      ['a shell-form ENTRYPOINT', ['FROM node:22-slim', 'ENTRYPOINT node cli.js'], 2, /exec form/],
      ['a shell-form CMD that looks like JSON', ['FROM node:22-slim', 'CMD [run]'], 2, /exec form/],
      ['an exec-form RUN', ['FROM node:22-slim', 'RUN ["npm", "ci"]'], 2, /exec form/],
      ['a RUN heredoc', ['FROM node:22-slim', 'RUN <<EOF', 'npm ci', 'EOF'], 2, /heredocs/],
      ['an EXPOSE range', ['FROM node:22-slim', 'EXPOSE 9090-9091'], 2, /port/],
      ['a labs syntax frontend', ['# syntax=docker/dockerfile:1-labs', 'FROM node:22-slim'], 1, /not the stable/],
      ['the escape directive', ['# escape=`', 'FROM node:22-slim'], 1, /escape/],
      ['a duplicate stage name', ['FROM node:22-slim AS a', 'FROM node:22-slim AS a'], 2, /used twice/],
      ['an unterminated quote', ['FROM node:22-slim', 'LABEL a="b'], 2, /unterminated/],
      ['a flag without a value', ['FROM node:22-slim AS a', 'FROM node:22-slim', 'COPY --from /x /y'], 3, /needs a value/],
    ];
    for (const [what, lines, line, message] of rejected) {
      it(`rejects ${what}, naming the line`, function () {
        const err = rejection(lines);
        expect(err.line).to.equal(line);
        expect(err.message).to.match(new RegExp(`^Dockerfile line ${line}: `));
        expect(err.message).to.match(message);
      });
    }

    it('rejects a file without FROM', function () {
      expect(rejection(['# nothing here']).message).to.match(/no FROM/);
    });
  });

  describe('nodeImage', function () {
    it('knows the official and distroless Node images and where they keep node', function () {
      expect(nodeImage('gcr.io/distroless/nodejs22-debian12:nonroot')).to.deep.equal({ major: 22, flavour: 'distroless', nodePaths: ['/nodejs/bin/node'] });
      expect(nodeImage(`gcr.io/distroless/nodejs24-debian13@sha256:${'a'.repeat(64)}`)?.major).to.equal(24);
      expect(nodeImage('node:22-bookworm-slim')).to.deep.equal({ major: 22, flavour: 'slim', nodePaths: ['/usr/local/bin/node', 'node'] });
      expect(nodeImage('docker.io/library/node:22.11.0-slim')?.flavour).to.equal('slim');
      expect(nodeImage('node:22-bookworm')?.flavour).to.equal('full');
      expect(nodeImage('node:22')?.flavour).to.equal('full');
      expect(nodeImage(`node:24-trixie-slim@sha256:${'b'.repeat(64)}`)).to.deep.equal({ major: 24, flavour: 'slim', nodePaths: ['/usr/local/bin/node', 'node'] });
    });

    it('does not claim other images', function () {
      for (const image of ['python:3.12-slim', 'gcr.io/distroless/static-debian12', 'node:lts-slim', 'scratch', 'mynode:22-slim']) expect(nodeImage(image), image).to.equal(undefined);
    });
  });

  describe('standInMismatch', function () {
    const df = parse(['FROM node:24-trixie-slim AS build', 'FROM gcr.io/distroless/nodejs24-debian13:nonroot']);

    it('accepts a local Node of the same major as every FROM line', function () {
      expect(standInMismatch(df, '24.21.0')).to.equal(undefined);
      expect(standInMismatch(df, 'v24.0.0')).to.equal(undefined);
    });

    it('names each FROM line of another major, and the local version', function () {
      expect(standInMismatch(df, '20.20.2')).to.equal("the replay stands in the local Node 20.20.2 for the image's node, but line 1: FROM node:24-trixie-slim runs Node 24; line 2: FROM gcr.io/distroless/nodejs24-debian13:nonroot runs Node 24");
      const mixed = parse(['FROM node:22-slim AS build', 'FROM gcr.io/distroless/nodejs24-debian13:nonroot']);
      expect(standInMismatch(mixed, '24.21.0')).to.match(/Node 24\.21\.0 .*but line 1: FROM node:22-slim runs Node 22$/);
      expect(standInMismatch(parse(['FROM python:3.12-slim']), '24.21.0')).to.match(/line 1: FROM python:3\.12-slim runs no Node the replay knows/);
    });
  });

  describe('nodeMajorInRange', function () {
    it('checks a major against an engines range', function () {
      const range = '>=20.19.0 <23';
      expect([18, 20, 21, 22, 23, 24].filter((m) => nodeMajorInRange(m, range))).to.deep.equal([20, 21, 22]);
      expect(nodeMajorInRange(20, '>=21.0.0')).to.equal(false);
      expect(nodeMajorInRange(20, '>20.1.2 <21')).to.equal(true);
      expect(nodeMajorInRange(21, '>20.1.2 <21')).to.equal(false);
      expect(nodeMajorInRange(22, '>=22.0.0 <=22.1.0')).to.equal(true);
    });

    it('refuses range syntax it does not evaluate', function () {
      for (const range of ['^22', '20 || 22', '~22.1', '<=22', '>=22.x']) expect(() => nodeMajorInRange(22, range), range).to.throw(/unsupported comparator/);
    });
  });

  describe('parseDockerignore', function () {
    it('applies an allowlist: the last matching rule wins, parents count', function () {
      const ig = parseDockerignore(['# comment', '*', '!package.json', '!src', 'src/**/*.test.ts', '  ', '!/tsconfig.json'].join('\n'));
      expect(ig.hasExceptions).to.equal(true);
      const decide = (paths: string[]): string[] => paths.filter((p) => ig.ignored(p));
      expect(decide(['package.json', 'tsconfig.json', 'src', 'src/cli.ts', 'src/kube/api.ts'])).to.deep.equal([]);
      expect(decide(['node_modules', 'node_modules/x/index.js', 'dist/src/cli.js', '.git', 'README.md', 'src/kube/api.test.ts', 'src/a.test.ts'])).to.deep.equal(['node_modules', 'node_modules/x/index.js', 'dist/src/cli.js', '.git', 'README.md', 'src/kube/api.test.ts', 'src/a.test.ts']);
    });

    it('matches * within one path segment and ** across them', function () {
      const ig = parseDockerignore('*.log\n**/*.map\ndocs/?.md');
      expect(ig.hasExceptions).to.equal(false);
      expect(['a.log', 'dir/a.log', 'a.map', 'x/y/a.map', 'docs/a.md', 'docs/ab.md'].filter((p) => ig.ignored(p))).to.deep.equal(['a.log', 'a.map', 'x/y/a.map', 'docs/a.md']);
    });

    it("ignores the repository's own build context correctly", function () {
      const ig = parseDockerignore(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
      expect(['package.json', 'package-lock.json', 'src/cli.ts'].filter((p) => ig.ignored(p))).to.deep.equal([]);
      expect(['node_modules', 'dist', '.git', '.local', 'test'].every((p) => ig.ignored(p))).to.equal(true);
    });

    it('refuses character classes and escapes', function () {
      expect(() => parseDockerignore('a\n[ab].txt')).to.throw(/line 2: character classes/);
    });
  });
});
