import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
const dockerignore = readFileSync(`${root}.dockerignore`, 'utf8');
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { bin: Record<string, string> };

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const entry of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(entry);
    if (!m) continue;
    const keyword = (m[1] as string).toUpperCase();
    const args = (m[2] as string).replace(/\s+/g, ' ').trim();
    if (keyword === 'FROM') {
      const [image = '', as, name] = args.replace(/--platform=\S+\s+/, '').split(' ');
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${keyword} before the first FROM`);
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** Whether the Docker build context keeps `path`, under .dockerignore's last-match-wins rules. */
function isInContext(path: string, ignore: string): boolean {
  const patterns = ignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const toRegex = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/\/$/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\u0000/g, '(?:.*/)?')}$`,
    );
  // A pattern matching a parent directory matches everything below it, as in Docker.
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let kept = true;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const re = toRegex(negated ? pattern.slice(1) : pattern);
    if (prefixes.some((p) => re.test(p))) kept = negated;
  }
  return kept;
}

const stages = parseDockerfile(dockerfile);
const build = stages[0] as Stage;
const runtime = stages.at(-1) as Stage;
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const copies = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);

describe('Dockerfile', () => {
  it('is multi-stage: a named build stage and a separate runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.name).toBe('build');
    expect(runtime.name).not.toBe('build');
  });

  it('pins every base image to an exact Node LTS release (no latest, no floating major or minor)', () => {
    for (const { image } of stages) {
      expect(image).toMatch(/^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
      expect(image).not.toContain('latest');
      const major = Number(/^node:(\d+)\./.exec(image)?.[1]);
      expect(major % 2).toBe(0); // only even majors become LTS
      expect(major).toBeGreaterThanOrEqual(24);
    }
    expect(new Set(stages.map((s) => s.image)).size).toBe(1); // built and run on the same Node
  });

  it('installs dev dependencies from the lockfile and compiles in the build stage', () => {
    expect(copies(build).some((c) => /package-lock\.json/.test(c))).toBe(true);
    expect(runs(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(runs(build).some((r) => /\bnpm run build\b/.test(r) || (/\bnpm ci\b/.test(r) && !/--ignore-scripts/.test(r)))).toBe(true);
    expect(copies(build).some((c) => /^src \S*src$/.test(c))).toBe(true);
  });

  it('installs only production dependencies, without scripts, in the runtime stage', () => {
    const install = runs(runtime).find((r) => /\bnpm ci\b/.test(r));
    expect(install).toBeDefined();
    expect(install).toContain('--omit=dev');
    expect(install).toContain('--ignore-scripts');
  });

  it('copies dist/ from the build stage and no sources into the runtime stage', () => {
    expect(copies(runtime)).toContain('--from=build /app/dist ./dist');
    expect(copies(runtime).some((c) => /package\.json/.test(c))).toBe(true); // "type": "module" at run time
    for (const c of copies(runtime)) {
      expect(c).not.toMatch(/(^|\s)(\.|src|\.\/src|test|fixtures\/?)(\s|$)/); // no folder of sources or fixtures wholesale
    }
    expect(runtime.instructions).toContainEqual({ keyword: 'WORKDIR', args: '/app' });
  });

  it('copies the demo fixture to where the compiled demo command looks for it', () => {
    const demo = readFileSync(`${root}src/cli/commands/demo.ts`, 'utf8');
    const relative = /new URL\('([^']+leads-demo\.csv)', import\.meta\.url\)/.exec(demo)?.[1];
    expect(relative).toBeDefined();
    const wanted = new URL(relative!, 'file:///app/dist/cli/commands/demo.js').pathname;
    let workdir = '/';
    const destinations: string[] = [];
    for (const i of runtime.instructions) {
      if (i.keyword === 'WORKDIR') workdir = new URL(`${i.args}/`, `file://${workdir}/`).pathname.replace(/\/$/, '');
      if (i.keyword === 'COPY' && !i.args.startsWith('--from=')) {
        const [from, to] = i.args.split(' ');
        if (from === 'fixtures/leads-demo.csv') destinations.push(new URL(to!, `file://${workdir}/`).pathname);
      }
    }
    expect(destinations).toEqual([wanted]);
    expect(wanted).toBe('/app/fixtures/leads-demo.csv');
  });

  it('works in /data, the writable volume, created for the node user before USER', () => {
    const keywords = runtime.instructions.map((i) => i.keyword);
    const workdirs = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => i.args);
    expect(workdirs.at(-1)).toBe('/data');
    expect(runs(runtime).some((r) => /mkdir -p \/data\b/.test(r) && /chown -R node:node \/data\b/.test(r))).toBe(true);
    expect(keywords.lastIndexOf('RUN')).toBeLessThan(keywords.lastIndexOf('USER'));
  });

  it('runs as a non-root user set before the exec-form ENTRYPOINT on the package bin', () => {
    const keywords = runtime.instructions.map((i) => i.keyword);
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    const lastUser = keywords.lastIndexOf('USER');
    const entry = keywords.lastIndexOf('ENTRYPOINT');
    expect(users.at(-1)).toBe('node');
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(lastUser).toBeGreaterThanOrEqual(0);
    expect(lastUser).toBeLessThan(entry);
    const args = runtime.instructions[entry]?.args ?? '';
    // Absolute: the working directory is /data, the app is in /app.
    expect(JSON.parse(args)).toEqual(['node', `/app/${pkg.bin['oiq-batch']}`]);
    expect(pkg.bin['oiq-batch']).toBe('dist/cli/main.js');
  });

  it('points TMPDIR at /tmp for a read-only root filesystem, labels the image and has no HEALTHCHECK', () => {
    const env = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    expect(env).toMatch(/(^|\s)TMPDIR=\/tmp(\s|$)/);
    const labels = runtime.instructions.filter((i) => i.keyword === 'LABEL').map((i) => i.args).join(' ');
    for (const key of ['title', 'description', 'licenses', 'version', 'revision']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
    expect(stages.flatMap((s) => s.instructions).some((i) => i.keyword === 'HEALTHCHECK')).toBe(false);
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules, .git, outputs, secrets and lead files out of the build context', () => {
    for (const path of [
      'node_modules/undici/index.js',
      'src/node_modules/x.js',
      '.git/config',
      'dist/cli/main.js',
      'out/leads.enriched.csv',
      'coverage/index.html',
      '.env',
      '.env.production',
      'api-key',
      'fixtures/leads.csv',
      'fixtures/windows-1252.csv',
      'fixtures/leads.csv.gz',
      'test/unit/deploy-dockerfile.test.ts',
      'leads.csv.gz',
      '.leads.enriched.csv.journal',
      'leads.enriched.csv.tmp',
    ]) {
      expect(isInContext(path, dockerignore), path).toBe(false);
    }
    expect(dockerignore.split('\n')).toEqual(expect.arrayContaining(['**/node_modules', '**/.git']));
  });

  it('keeps everything the Dockerfile copies from the context', () => {
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/cli/main.ts', 'src/report/metrics.ts', 'fixtures/leads-demo.csv']) {
      expect(isInContext(path, dockerignore), path).toBe(true);
    }
    const sources = stages
      .flatMap(copies)
      .filter((c) => !c.startsWith('--from='))
      .flatMap((c) => c.split(' ').slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(isInContext(source.replace(/^\.\//, ''), dockerignore), source).toBe(true);
  });
});
