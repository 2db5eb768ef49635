// The Postgres cluster that scripts/with-postgres.sh started for the trials: a database per trial,
// and restarts of the whole cluster (`pg_ctl restart -m fast|immediate`) while phones upload.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { postgresDriver } from '@vhd/server';

const run = promisify(execFile);
const ENV = ['TEST_DATABASE_URL', 'TEST_PGDATA', 'TEST_PGBIN', 'TEST_PGLOG'] as const;

export class PostgresCluster {
  restarts = 0;
  private restarting: Promise<void> = Promise.resolve();

  private constructor(
    private readonly adminUrl: string,
    private readonly dataDir: string,
    private readonly bin: string,
    private readonly logFile: string,
  ) {}

  /** The cluster named by with-postgres.sh's environment; a clear error when it is missing. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): PostgresCluster {
    const missing = ENV.filter((name) => !env[name]);
    if (missing.length > 0)
      throw new Error(
        `Postgres trials need a cluster they may restart: run them under scripts/with-postgres.sh (missing ${missing.join(', ')})`,
      );
    return new PostgresCluster(env.TEST_DATABASE_URL!, env.TEST_PGDATA!, env.TEST_PGBIN!, env.TEST_PGLOG!);
  }

  /** A fresh database; returns its URL. */
  async createDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${randomBytes(4).toString('hex')}`;
    await this.admin(`CREATE DATABASE ${name}`);
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async dropDatabase(url: string): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  }

  /** Restarts the cluster (one restart at a time); resolves once it accepts connections again. */
  restart(mode: 'fast' | 'immediate'): Promise<void> {
    this.restarting = this.restarting.then(async () => {
      this.restarts++;
      // pg_ctl keeps the options the cluster was started with (postmaster.opts).
      const args = ['-D', this.dataDir, '-l', this.logFile, '-m', mode, '-w', 'restart'];
      const asPostgres = process.getuid?.() === 0;
      await run(asPostgres ? 'runuser' : `${this.bin}/pg_ctl`, [
        ...(asPostgres ? ['-u', 'postgres', '--', `${this.bin}/pg_ctl`] : []),
        ...args,
      ]);
    });
    return this.restarting;
  }

  private async admin(sql: string): Promise<void> {
    await this.restarting.catch(() => {});
    const admin = postgresDriver(this.adminUrl, 1);
    try {
      await admin.query(sql);
    } finally {
      await admin.close();
    }
  }
}
