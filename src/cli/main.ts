#!/usr/bin/env node
/**
 * The `vigil` command line. Exit codes: 0 = done, nothing rejected; 1 = done, some input was
 * rejected (see the summary and the quarantine); 2 = usage or fatal error.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { analyze } from './analyze.js';
import { runDemo } from './demo.js';
import { hosts } from './hosts.js';
import {
  histogram,
  type RowFormat,
  search,
  sql,
  storeCompact,
  storeIngest,
  storeRetain,
  storeStats,
  type TimelineKind,
  timeline,
  top,
} from './recall.js';
import { listResponses } from './responses.js';
import { serve } from './serve.js';
import { runSimulate } from './simulate.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative number, got "${v}"`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('vigil')
    .description(
      'Vigil — network detection and response on Zeek metadata (or packet captures).\n' +
        'Finds attacker behaviour, ranks hosts by threat and certainty, responds through the EDR under ' +
        'policy, and keeps every record searchable. Start with `vigil demo`, then `vigil analyze <logs>`.',
    )
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run vigil --help for usage)')
    .configureOutput({ outputError: (str, write) => write(`vigil: ${str}`) });

  program
    .command('analyze')
    .description('read Zeek logs, detect attacker behaviour, score hosts, print the report')
    .argument('[paths...]', 'log files, .gz files, Zeek log directories, or - for stdin')
    .addOption(
      new Option(
        '-f, --format <format>',
        'table, json (versioned report) or ndjson (detections as they fire)',
      )
        .choices(['table', 'json', 'ndjson'])
        .default('table'),
    )
    .option('-q, --quiet', 'no progress bar and no per-line reject messages', false)
    .option('--quarantine <dir>', 'where rejected lines are kept', 'vigil-quarantine')
    .option('--log-type <type>', 'log type for input that does not name one (stdin, zeek-cut output)')
    .option('--fields <list>', 'comma-separated field names for header-less zeek-cut output', (v) =>
      v.split(','),
    )
    .option(
      '--reorder-window <seconds>',
      'event-time seconds a log may run out of order',
      positiveNumber('--reorder-window'),
      60,
    )
    .option(
      '--max-line-bytes <bytes>',
      'longest accepted line',
      positiveNumber('--max-line-bytes'),
      16 * 1024 * 1024,
    )
    .option(
      '--workers <n>',
      'worker threads that decode big files (default: cores - 1, at most 4; 0 = main thread only)',
      positiveNumber('--workers'),
    )
    // live tail (src/ingest/tail.ts)
    .option('--follow <dir>', 'follow a directory Zeek is writing, until SIGINT/SIGTERM')
    .option('--state <file>', 'with --follow: checkpoint file to resume from and save to')
    .option('--poll-ms <ms>', 'with --follow: milliseconds between polls', positiveNumber('--poll-ms'), 1000)
    .option(
      '--idle-ms <ms>',
      'with --follow: a log type silent this long stops holding back the merge',
      positiveNumber('--idle-ms'),
    )
    .option('--archive <dir>', 'with --follow: where rotated files go (repeatable)', collect, [])
    .option(
      '-c, --config <file>',
      'Vigil config file (YAML or JSON): network model, detectors, triage, scoring, response, alerts',
    )
    .option(
      '--respond',
      'let response policies act (auto/approve); without it every policy runs as dry-run',
      false,
    )
    .option('--audit <file>', 'response audit log', 'vigil-audit.jsonl')
    .addHelpText(
      'after',
      '\nExamples:\n  vigil analyze /opt/zeek/logs\n  vigil analyze --follow /opt/zeek/logs/current --state vigil-tail.json\n  vigil analyze conn.log dns.log.gz --format json\n  zcat conn.log.gz | vigil analyze - --log-type conn\n' +
        '\nExit status: 0 all records read, 1 some input rejected (counted, quarantined), 2 error.',
    )
    .action(async (paths: string[], opts) => {
      process.exitCode = await analyze(paths, {
        format: opts.format,
        quiet: opts.quiet,
        quarantine: opts.quarantine,
        logType: opts.logType,
        fields: opts.fields,
        reorderWindow: opts.reorderWindow,
        maxLineBytes: opts.maxLineBytes,
        workers: opts.workers === undefined ? undefined : Math.floor(opts.workers),
        follow: opts.follow,
        state: opts.state,
        pollMs: opts.pollMs,
        idleMs: opts.idleMs,
        archive: opts.archive,
        config: opts.config,
        respond: opts.respond,
        audit: opts.audit,
      });
    });

  program
    .command('hosts')
    .description(
      'list hosts: names, addresses over time, roles with evidence, accounts, external peer countries',
    )
    .argument('<paths...>', 'log files, .gz files, Zeek log directories, or - for stdin')
    .option('-c, --config <file>', 'Vigil config file (YAML or JSON); defaults apply without one')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .option('-q, --quiet', 'no progress bar and no per-line reject messages', false)
    .option('--state <file>', 'restore identity state from this file first and save it after')
    .option('--all', 'also list address-only hosts (no name, role or account)', false)
    .action(async (paths: string[], opts) => {
      process.exitCode = await hosts(paths, {
        config: opts.config,
        format: opts.format,
        quiet: opts.quiet,
        state: opts.state,
        all: opts.all,
      });
    });

  const storeOpt = (): Option => new Option('--store <dir>', 'Recall store directory').default('vigil-store');
  const rowFormat = (): Option =>
    new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'csv']).default('table');
  const limitOpt = (): Option =>
    new Option('--limit <n>', 'most rows').argParser(positiveNumber('--limit')).default(100);

  const store = program.command('store').description('the Recall metadata store (Parquet + DuckDB)');
  store
    .command('ingest')
    .description('load Zeek logs into the store (exactly once: re-runs add only what is new)')
    .argument('<paths...>', 'log files, .gz files or Zeek log directories')
    .addOption(storeOpt())
    .option('-q, --quiet', 'no per-line reject messages', false)
    .option(
      '-c, --config <file>',
      'Vigil config file (internal ranges and identity, for the joined host keys)',
    )
    .option('--no-compact', 'leave the parts as written (compact later with vigil store compact)')
    .action(
      async (paths: string[], o: { store: string; quiet: boolean; config?: string; compact: boolean }) => {
        process.exitCode = await storeIngest(paths, o.store, o.quiet, o.config, o.compact);
      },
    );
  store
    .command('compact')
    .description(
      'merge each log day into one file (responder, then time) with bloom filters (serve does this hourly)',
    )
    .addOption(storeOpt())
    .action(async (o: { store: string }) => {
      process.exitCode = await storeCompact(o.store);
    });
  store
    .command('stats')
    .description('records, files, bytes per log type; corrupt files')
    .addOption(storeOpt())
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action(async (o: { store: string; format: 'table' | 'json' }) => {
      process.exitCode = await storeStats(o.store, o.format);
    });
  store
    .command('retain')
    .description('delete whole day partitions by age and/or total size (oldest first)')
    .addOption(storeOpt())
    .option('--max-age-days <n>', 'keep this many days', positiveNumber('--max-age-days'))
    .option('--max-bytes <n>', 'keep at most this many bytes', positiveNumber('--max-bytes'))
    .action(async (o: { store: string; maxAgeDays?: number; maxBytes?: number }) => {
      process.exitCode = await storeRetain(o.store, o);
    });

  program
    .command('search')
    .description('search stored metadata: field:value, wildcards, CIDR, ranges, AND/OR/NOT, log:<type>')
    .argument('<query>', "e.g. 'id.orig_h:10.5.0.0/16 AND id.resp_p:445 NOT conn_state:SF'")
    .addOption(storeOpt())
    .option('--from <time>', 'epoch seconds or ISO-8601')
    .option('--to <time>', 'epoch seconds or ISO-8601')
    .addOption(limitOpt())
    .addOption(
      new Option('-f, --format <format>', 'output format; ndjson streams every match in time order')
        .choices(['table', 'json', 'csv', 'ndjson'])
        .default('table'),
    )
    .option('--all', 'table: every column, not the summary ones', false)
    .action(
      async (
        q: string,
        o: {
          store: string;
          from?: string;
          to?: string;
          limit: number;
          format: RowFormat | 'ndjson';
          all: boolean;
        },
        cmd: Command,
      ) => {
        process.exitCode = await search(q, o.store, {
          ...o,
          limitGiven: cmd.getOptionValueSource('limit') === 'cli',
        });
      },
    );

  program
    .command('timeline')
    .description(
      "a host's, address's or account's stored records with Vigil's detections about it, in time order",
    )
    .argument('<subject...>', 'a host (name or key), an account (DOMAIN\\user), or IP addresses')
    .addOption(
      new Option('--as <kind>', 'what the subject is')
        .choices(['auto', 'ip', 'host', 'account'])
        .default('auto'),
    )
    .addOption(storeOpt())
    .option('--from <time>', 'epoch seconds or ISO-8601')
    .option('--to <time>', 'epoch seconds or ISO-8601')
    .addOption(limitOpt())
    .option('--offset <n>', 'skip this many rows (the next page)', positiveNumber('--offset'), 0)
    .addOption(rowFormat())
    .action(
      async (
        subjects: string[],
        o: {
          store: string;
          from?: string;
          to?: string;
          limit: number;
          offset: number;
          format: RowFormat;
          as: TimelineKind;
        },
      ) => {
        process.exitCode = await timeline(subjects, o.store, o);
      },
    );

  program
    .command('top')
    .description('the most frequent values of a field among the matches of a query (all records by default)')
    .argument('<field>', "a Zeek field, e.g. 'id.resp_p', 'query', 'answers', '_orig_host'")
    .argument('[query]', 'search language, as in vigil search', '')
    .addOption(storeOpt())
    .option('--from <time>', 'epoch seconds or ISO-8601')
    .option('--to <time>', 'epoch seconds or ISO-8601')
    .addOption(new Option('--limit <n>', 'how many values').argParser(positiveNumber('--limit')).default(10))
    .addOption(rowFormat())
    .action(
      async (
        field: string,
        q: string,
        o: { store: string; from?: string; to?: string; limit: number; format: RowFormat },
      ) => {
        process.exitCode = await top(field, q, o.store, o);
      },
    );

  program
    .command('histogram')
    .description("record counts per time bucket for a query (a host's session or interaction trend)")
    .argument('<query>', 'e.g. \'log:conn _orig_host:"name:WS1"\'')
    .addOption(storeOpt())
    .option('--from <time>', 'epoch seconds or ISO-8601')
    .option('--to <time>', 'epoch seconds or ISO-8601')
    .addOption(
      new Option('--bucket <seconds>', 'bucket width in seconds')
        .argParser(positiveNumber('--bucket'))
        .default(3600),
    )
    .addOption(rowFormat())
    .action(
      async (
        q: string,
        o: { store: string; from?: string; to?: string; bucket: number; format: RowFormat },
      ) => {
        process.exitCode = await histogram(q, o.store, o);
      },
    );

  program
    .command('sql')
    .description('read-only SQL over the log views (one SELECT; no writes, DDL or file access)')
    .argument('<select>', 'e.g. \'SELECT "id.orig_h", count(*) FROM conn GROUP BY 1 ORDER BY 2 DESC\'')
    .addOption(storeOpt())
    .addOption(limitOpt())
    .addOption(rowFormat())
    .action(async (text: string, o: { store: string; limit: number; format: RowFormat }) => {
      process.exitCode = await sql(text, o.store, o);
    });

  program
    .command('serve')
    .description(
      'run continuously: live tail (or replay), detection, response, metadata store, API and console',
    )
    .argument('[paths...]', 'replay these logs instead of following a directory')
    .option('--follow <dir>', 'the directory Zeek is writing (e.g. /opt/zeek/logs/current)')
    .option('--listen <host:port>', 'HTTP address (loopback by default)', '127.0.0.1:8080')
    .option('--state-dir <dir>', 'tokens, tail position, audit log, quarantine', 'vigil-state')
    .option('--store <dir>', 'keep every record in this Recall store')
    .option('-c, --config <file>', 'Vigil config file (YAML or JSON)')
    .option('--poll-ms <ms>', 'with --follow: milliseconds between polls', positiveNumber('--poll-ms'), 1000)
    .option('--public-metrics', 'serve /metrics without a token', false)
    .option('-q, --quiet', 'fewer messages', false)
    .action(async (paths: string[], o) => {
      if (!o.follow && paths.length === 0)
        throw new InvalidArgumentError('give --follow <dir> or log paths to replay');
      process.exitCode = await serve({
        paths,
        follow: o.follow,
        listen: o.listen,
        stateDir: o.stateDir,
        store: o.store,
        config: o.config,
        pollMs: o.pollMs,
        publicMetrics: o.publicMetrics,
        quiet: o.quiet,
      });
    });

  program
    .command('responses')
    .description('list the response audit log: every isolation decision, why, and who approved or released')
    .option('--audit <file>', 'audit log file', 'vigil-audit.jsonl')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action((opts: { audit: string; format: 'table' | 'json' }) => {
      process.exitCode = listResponses(opts.audit, opts.format);
    });

  program
    .command('demo')
    .description(
      'replay the reference incident end to end: detections, Critical hosts, DC isolation, console',
    )
    .option('--out <dir>', 'where to write the logs, store and audit (default: a temporary directory)')
    .option('--seed <n>', 'simulator seed', positiveNumber('--seed'), 1)
    .option('--no-serve', 'stop after the timeline instead of serving the console')
    .option('--listen <host:port>', 'console address', '127.0.0.1:8080')
    .action(async (opts: { out?: string; seed: number; serve: boolean; listen: string }) => {
      process.exitCode = await runDemo(opts);
    });

  // simulator (src/simulate/)
  program
    .command('simulate')
    .description('write a simulated Zeek log directory with ground truth (truth.json)')
    .argument('<scenario>', 'enterprise, reference-incident or random-incident')
    .requiredOption('--out <dir>', 'directory to write the logs and truth.json to')
    .option('--seed <n>', 'random seed: the same seed gives the same bytes', positiveNumber('--seed'), 1)
    .addOption(new Option('--format <format>', 'log format').choices(['tsv', 'json']).default('tsv'))
    .option('--hosts <n>', 'workstations (default 300)', positiveNumber('--hosts'))
    .option(
      '--days <n>',
      'days of full background (enterprise: 1; incidents: 2 before the end)',
      positiveNumber('--days'),
    )
    .option('-q, --quiet', 'no summary line', false)
    .action(
      (
        scenario: string,
        opts: {
          out: string;
          seed: number;
          format: 'tsv' | 'json';
          hosts?: number;
          days?: number;
          quiet: boolean;
        },
      ) => {
        process.exitCode = runSimulate(scenario, opts);
      },
    );

  return program;
}

async function main(): Promise<void> {
  // Output piped into `head` and closed early is not an error of ours: stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message; help and version exit 0, usage errors 2.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`vigil: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}

await main();
