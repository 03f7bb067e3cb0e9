import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { journalPathFor } from '../../src/pipeline/journal.js';
import { JobConfig } from '../../src/config/schema.js';

const DEFAULT_GRACE_MS = JobConfig.shape.graceMs.parse(undefined);

// Manifests are untyped YAML: walk them as loosely typed objects and let the assertions do the checking.
type Doc = any;

const dir = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));

/** Every YAML document of a manifest file, failing on any YAML error or warning. */
function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    expect(d.errors, `${file}: ${d.errors.join('; ')}`).toEqual([]);
    expect(d.warnings, `${file}: ${d.warnings.join('; ')}`).toEqual([]);
  }
  return list.map((d) => d.toJS()).filter((d) => d !== null);
}

const cronJob = load('cronjob.yaml')[0];
const shards = load('indexed-job.yaml')[0];
const merge = load('merge-job.yaml')[0];
const secret = load('secret.example.yaml')[0];
const pvcs = load('pvc.yaml');
const KEY_FILE = '/var/run/secrets/outboundiq/api-key';

/** The exit codes a rule with `action` names for the container. */
function exitCodesFor(job: Doc, action: string): number[] {
  return job.spec.podFailurePolicy.rules
    .filter((r: Doc) => r.action === action && r.onExitCodes)
    .flatMap((r: Doc) => {
      expect(r.onExitCodes.operator).toBe('In');
      expect(r.onExitCodes.containerName).toBe(job.spec.template.spec.containers[0].name);
      return r.onExitCodes.values as number[];
    });
}

/** Checks what every Job of this folder must have: failure policy, security, resources, volumes. */
function checkJobSpec(job: Doc, { needsKey }: { needsKey: boolean }): void {
  const pod = job.spec.template.spec;
  const [container, ...others] = pod.containers;
  expect(others).toEqual([]);
  expect(container.name).toBe('oiq-batch');

  // Fail fast on usage/input errors and a refused key; never on 4/130/143 (resumable).
  expect(exitCodesFor(job, 'FailJob')).toEqual(expect.arrayContaining([2, 3]));
  for (const action of ['FailJob', 'FailIndex']) {
    for (const code of [0, 4, 130, 143]) expect(exitCodesFor(job, action)).not.toContain(code);
  }
  const ignore = job.spec.podFailurePolicy.rules.filter((r: Doc) => r.action === 'Ignore');
  expect(ignore).toHaveLength(1);
  expect(ignore[0].onPodConditions).toEqual([{ type: 'DisruptionTarget', status: 'True' }]);
  expect(ignore[0].onExitCodes).toBeUndefined();

  expect(pod.restartPolicy).toBe('Never');
  // The CLI drains for --grace-ms after SIGTERM, then flushes: the kubelet must wait longer than that.
  expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(DEFAULT_GRACE_MS + 5_000);
  expect(pod.automountServiceAccountToken).toBe(false);
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(pod.securityContext.runAsUser).toBe(1000); // the image's `node` user, numeric for the kubelet's check
  expect(pod.securityContext.fsGroup).toBe(1000);

  expect(container.image).toMatch(/^[\w.\-/]+:\d+\.\d+\.\d+$/);
  expect(container.securityContext).toEqual({
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  expect(container.resources.limits.memory).toBe('256Mi');
  expect(container.resources.requests.memory).toBeDefined();

  const volumes = new Map<string, Doc>(pod.volumes.map((v: Doc) => [v.name, v]));
  const mounts = new Map<string, Doc>(container.volumeMounts.map((m: Doc) => [m.mountPath, m]));
  for (const m of container.volumeMounts) expect(volumes.has(m.name), m.name).toBe(true);
  expect(volumes.get(mounts.get('/tmp')?.name)?.emptyDir).toBeDefined();

  const env = new Map<string, Doc>((container.env ?? []).map((e: Doc) => [e.name, e]));
  expect(env.has('OUTBOUNDIQ_API_KEY')).toBe(false); // never the key itself in a manifest
  if (!needsKey) {
    expect([...volumes.values()].some((v) => v.secret)).toBe(false);
    return;
  }
  expect(env.get('OUTBOUNDIQ_API_KEY_FILE')?.value).toBe(KEY_FILE);
  const keyMount = mounts.get(dirname(KEY_FILE));
  expect(keyMount?.readOnly).toBe(true);
  const keyVolume = volumes.get(keyMount?.name)?.secret;
  expect(keyVolume.secretName).toBe(secret.metadata.name);
  expect(keyVolume.items).toEqual([{ key: Object.keys(secret.stringData)[0], path: basename(KEY_FILE) }]);
  expect(keyVolume.defaultMode).toBe(0o440); // readable by the fsGroup, written in decimal to dodge YAML octal rules
}

/** The claim names a Job mounts. */
function claimsOf(job: Doc): string[] {
  return job.spec.template.spec.volumes.filter((v: Doc) => v.persistentVolumeClaim).map((v: Doc) => v.persistentVolumeClaim.claimName);
}

describe('deploy/k8s', () => {
  it('parses every manifest in the folder as valid YAML with a kind, an apiVersion and a name', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['cronjob.yaml', 'indexed-job.yaml', 'merge-job.yaml', 'pvc.yaml', 'secret.example.yaml']);
    for (const file of files) {
      for (const doc of load(file)) {
        expect(doc.apiVersion, file).toMatch(/^(v1|batch\/v1)$/);
        expect(doc.kind, file).toMatch(/^(CronJob|Job|Secret|PersistentVolumeClaim)$/);
        expect(doc.metadata.name, file).toMatch(/^oiq-batch-[a-z-]+$/);
      }
    }
  });

  it('secret.example.yaml holds an obvious placeholder, not a key', () => {
    expect(secret.kind).toBe('Secret');
    expect(Object.keys(secret.stringData)).toEqual(['api-key']);
    expect(secret.stringData['api-key']).toMatch(/REPLACE-ME.*not-a-real/);
    expect(secret.data).toBeUndefined();
  });

  describe('cronjob.yaml', () => {
    it('schedules one run at a time and skips a slot it could not start in time', () => {
      expect(cronJob.kind).toBe('CronJob');
      expect(cronJob.spec.schedule).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
      expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
      expect(cronJob.spec.startingDeadlineSeconds).toBeGreaterThan(0);
      expect(cronJob.spec.jobTemplate.spec.backoffLimit).toBeGreaterThanOrEqual(1);
    });

    it('runs the drop folder once over the inbox and outbox claims', () => {
      const job = cronJob.spec.jobTemplate;
      const container = job.spec.template.spec.containers[0];
      expect(container.command).toBeUndefined(); // the image's ENTRYPOINT is oiq-batch
      expect(container.args).toEqual(['watch', '/data/inbox', '--outbox', '/data/outbox', '--once']);
      const mounts = Object.fromEntries(container.volumeMounts.map((m: Doc) => [m.mountPath, m.name]));
      const claims = Object.fromEntries(
        job.spec.template.spec.volumes.filter((v: Doc) => v.persistentVolumeClaim).map((v: Doc) => [v.name, v.persistentVolumeClaim.claimName]),
      );
      expect(claims[mounts['/data/inbox']]).toBe('oiq-batch-inbox');
      expect(claims[mounts['/data/outbox']]).toBe('oiq-batch-outbox');
    });

    it('fails fast on 2 and 3, does not re-run a finished run (1), ignores disruptions, and is hardened', () => {
      const job = cronJob.spec.jobTemplate;
      expect(exitCodesFor(job, 'FailJob').sort()).toEqual([1, 2, 3]);
      checkJobSpec(job, { needsKey: true });
    });
  });

  describe('indexed-job.yaml', () => {
    const n = shards.spec.completions as number;
    const container = shards.spec.template.spec.containers[0];
    const script = container.args[0] as string;
    const work = mkdtempSync(join(tmpdir(), 'oiq-k8s-shard-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    /** Runs the pod's shell command as the kubelet would, with /data/ moved to a temp dir and a stub node. */
    function runShard(env: Record<string, string>): { status: number | null; argv: string[] } {
      const bin = join(work, 'bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'node'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${work}/argv"\n`);
      chmodSync(join(bin, 'node'), 0o755);
      rmSync(join(work, 'argv'), { force: true });
      const moved = script.replaceAll('/data/', `${work}/data/`);
      const r = spawnSync(container.command[0], [...container.command.slice(1), moved], {
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, ...env },
        encoding: 'utf8',
      });
      let argv: string[] = [];
      try {
        argv = readFileSync(join(work, 'argv'), 'utf8').split('\n').slice(0, -1);
      } catch {
        // node was never started
      }
      return { status: r.status, argv };
    }

    it('is an Indexed Job whose shard count matches completions and parallelism', () => {
      expect(shards.kind).toBe('Job');
      expect(shards.spec.completionMode).toBe('Indexed');
      expect(n).toBeGreaterThan(1);
      expect(shards.spec.parallelism).toBe(n);
      expect(shards.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
      expect(container.command).toEqual(['/bin/sh', '-c']);
      expect(script).toContain(`--shard "$i/${n}"`);
      expect(script).toMatch(/\bexec node \/app\/dist\/cli\/main\.js assign /); // the image's entry point (its working directory is /data)
      const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))?.[1];
      expect(script).toContain(`exec ${(JSON.parse(entrypoint!) as string[]).join(' ')} assign `);
    });

    it('fails fast on 2 and 3, fails only its own index on 1, ignores disruptions, and is hardened', () => {
      expect(exitCodesFor(shards, 'FailJob').sort()).toEqual([2, 3]);
      expect(exitCodesFor(shards, 'FailIndex')).toEqual([1]);
      checkJobSpec(shards, { needsKey: true });
      expect(claimsOf(shards)).toEqual(['oiq-batch-data']);
    });

    it('runs `assign --shard K/N` with K from JOB_COMPLETION_INDEX, writing the shard file', () => {
      const r = runShard({ JOB_COMPLETION_INDEX: '1' });
      expect(r.status).toBe(0);
      expect(r.argv).toEqual(['/app/dist/cli/main.js', 'assign', `${work}/data/in/leads.csv`, '--shard', `1/${n}`, '-o', `${work}/data/out/leads.shard-1.csv`]);
    });

    it('adds --resume exactly when the shard has a resume journal (a retried pod), where the pipeline puts it', () => {
      const journal = journalPathFor(`${work}/data/out/leads.shard-2.csv`);
      writeFileSync(journal, '{}\n');
      const retried = runShard({ JOB_COMPLETION_INDEX: '2' });
      expect(retried.status).toBe(0);
      expect(retried.argv.at(-1)).toBe('--resume');
      expect(retried.argv).toContain(`${work}/data/out/leads.shard-2.csv`);
      rmSync(journal);
      expect(runShard({ JOB_COMPLETION_INDEX: '2' }).argv).not.toContain('--resume');
    });

    it('refuses to run outside an Indexed Job', () => {
      const r = runShard({});
      expect(r.status).not.toBe(0);
      expect(r.argv).toEqual([]);
    });
  });

  describe('merge-job.yaml', () => {
    it('merges exactly the shard files the Indexed Job writes, in index order', () => {
      const n = shards.spec.completions as number;
      const args = merge.spec.template.spec.containers[0].args as string[];
      const files = Array.from({ length: n }, (_, i) => `/data/out/leads.shard-${i}.csv`);
      expect(args).toEqual(['merge', ...files, '-o', '/data/out/leads.enriched.csv']);
      expect(claimsOf(merge)).toEqual(claimsOf(shards));
    });

    it('fails fast on 2, fails without a retry on 1 (merged with failed rows), needs no key, and is hardened', () => {
      checkJobSpec(merge, { needsKey: false });
      expect(exitCodesFor(merge, 'FailJob').sort()).toEqual([1, 2, 3]);
    });
  });

  describe('pvc.yaml', () => {
    it('defines every claim the Jobs mount, ReadWriteMany where shards run in parallel', () => {
      const byName = new Map<string, Doc>(pvcs.map((p) => [p.metadata.name, p]));
      for (const claim of [...claimsOf(cronJob.spec.jobTemplate), ...claimsOf(shards), ...claimsOf(merge)]) {
        expect(byName.get(claim)?.kind, claim).toBe('PersistentVolumeClaim');
        expect(byName.get(claim)?.spec.resources.requests.storage, claim).toMatch(/^\d+Gi$/);
      }
      expect(byName.get('oiq-batch-data')?.spec.accessModes).toEqual(['ReadWriteMany']);
    });
  });
});
