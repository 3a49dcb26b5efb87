/**
 * The command table, the help texts, argument parsing (node:util parseArgs) and the mapping of
 * errors to one line and an exit code.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { achievementCreate, apiKeyCreate, issuerCreate, revoke } from './commands.js';
import { createContext, type Context, type Io, type Values } from './context.js';
import { ConnectionError, EXIT, ProblemError, UsageError } from './errors.js';
import { hoursRecord, HOURS_COLUMNS } from './hours.js';
import { DEFAULT_URL } from './http.js';
import { issue } from './issue.js';
import type * as Ops from './ops.js';
import { Refusal } from '../ops/refusal.js';
import { VERSION } from './version.js';

interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in the help (string options). */
  arg?: string;
  help: string;
  required?: boolean;
}

/**
 * A command beside the service (db, backup, restore, kek, doctor), loaded when it runs: the database
 * code it brings (Kysely, pg, PGlite, the migrations) would otherwise double the time of --help.
 */
const beside =
  (name: 'dbExport' | 'dbImport' | 'backup' | 'restore' | 'kekExport' | 'kekImport' | 'kekRotate' | 'doctor') =>
  async (ctx: Context, values: Values): Promise<number> =>
    ((await import('./ops.js')) as typeof Ops)[name](ctx, values);

interface Command {
  name: string;
  summary: string;
  description?: string;
  /** `host`: runs beside the service, on its database with its configuration (no URL, no token). */
  who: 'operator' | 'institution' | 'host';
  options: Record<string, OptionSpec>;
  examples: string[];
  run(ctx: Context, values: Values): Promise<number>;
}

const json: Record<string, OptionSpec> = { json: { type: 'boolean', help: "print the service's answer as JSON" } };

const passphraseFile: Record<string, OptionSpec> = {
  'passphrase-file': { type: 'string', arg: 'FILE', help: 'the passphrase, in a file (default: $IEUM_KEK_PASSPHRASE)' },
};

const HOST =
  'Runs beside the service with its configuration: the same DATA_DIR or DATABASE_URL, KEYS_DIR or KEY_ENCRYPTION_KEY, PUBLIC_URL. ' +
  'Exit code 2 with one line when it refuses (a bad file, an existing output file, a target that is not empty); nothing is written then.';

const OPS_COMMANDS: Command[] = [
  {
    name: 'db export',
    summary: 'Write the embedded database to a file, to move it to PostgreSQL (service stopped)',
    description:
      'One snapshot of every table, with a header naming the schema version and the counts, and a checksum. Never the key-encryption key. ' +
      `Refuses to overwrite a file. ${HOST}`,
    who: 'host',
    options: { out: { type: 'string', arg: 'FILE', required: true, help: 'the file to write (must not exist)' } },
    examples: ['ieum db export --out ieum-2026-12-04.ieum'],
    run: beside('dbExport'),
  },
  {
    name: 'db import',
    summary: 'Load an export into the empty PostgreSQL database named by DATABASE_URL',
    description:
      'Checks the whole file first (checksum, counts, schema: a file from a newer Ieum is refused), refuses a database that has any table, ' +
      'loads every row in one transaction, closes the status lists it brought (new credentials open new ones), then runs the newer migrations. ' +
      'Start the service with the same PUBLIC_URL and key-encryption key. ' +
      HOST,
    who: 'host',
    options: { in: { type: 'string', arg: 'FILE', required: true, help: 'the file from ieum db export or ieum backup' } },
    examples: ['DATABASE_URL=postgres://ieum@db.internal/ieum ieum db import --in ieum-2026-12-04.ieum'],
    run: beside('dbImport'),
  },
  {
    name: 'backup',
    summary: 'Write a consistent backup of the database, while the service runs',
    description:
      'One snapshot (REPEATABLE READ): whatever commits meanwhile is wholly in it or not at all. Written to a temporary file, synced, ' +
      'then put in place: a backup stopped half-way (kill -9) leaves no file under the name, and an earlier backup is never touched. ' +
      'On the embedded database while the service runs, the service sends it (GET /v1/backup with its ADMIN_TOKEN, at HOST:PORT ' +
      `or --url) and the file is checked whole before it is put in place. ${HOST}`,
    who: 'host',
    options: {
      out: { type: 'string', arg: 'FILE', required: true, help: 'the file to write (must not exist)' },
      url: { type: 'string', arg: 'URL', help: 'embedded, service running: where it answers (default: $IEUM_URL, else HOST:PORT)' },
    },
    examples: ['ieum backup --out /backups/ieum-$(date +%F-%H%M).ieum'],
    run: beside('backup'),
  },
  {
    name: 'restore',
    summary: 'Load a backup into a fresh DATA_DIR (or the empty PostgreSQL of DATABASE_URL)',
    description:
      'Checks the whole file first; a truncated or changed file is refused. Every restored status list is closed, so no status index ' +
      `handed out after the backup is handed out again. ${HOST}`,
    who: 'host',
    options: { in: { type: 'string', arg: 'FILE', required: true, help: 'the backup' } },
    examples: ['DATA_DIR=./data-restored ieum restore --in /backups/ieum-2026-12-04-0300.ieum'],
    run: beside('restore'),
  },
  {
    name: 'kek export',
    summary: 'Write the key-encryption key sealed with a passphrase (scrypt, AES-256-GCM), for safe keeping',
    description: `The passphrase comes from IEUM_KEK_PASSPHRASE or --passphrase-file (at least 12 characters). ${HOST}`,
    who: 'host',
    options: { out: { type: 'string', arg: 'FILE', required: true, help: 'the file to write (must not exist)' }, ...passphraseFile },
    examples: ['IEUM_KEK_PASSPHRASE=… ieum kek export --out kek-2026-12-04.json'],
    run: beside('kekExport'),
  },
  {
    name: 'kek import',
    summary: 'Put a sealed key-encryption key back in KEYS_DIR/kek (or print it for KEY_ENCRYPTION_KEY)',
    description: `A wrong passphrase or a changed file is refused. An existing, different KEYS_DIR/kek is never replaced. ${HOST}`,
    who: 'host',
    options: {
      in: { type: 'string', arg: 'FILE', required: true, help: 'the file from ieum kek export' },
      print: { type: 'boolean', help: 'print the key (base64) for KEY_ENCRYPTION_KEY instead of writing KEYS_DIR/kek' },
      ...passphraseFile,
    },
    examples: ['IEUM_KEK_PASSPHRASE=… ieum kek import --in kek-2026-12-04.json'],
    run: beside('kekImport'),
  },
  {
    name: 'kek rotate',
    summary: 'Re-seal every private key under a new key-encryption key (service stopped)',
    description:
      'One transaction re-seals every key; the new key is written and synced before it, the old one kept as KEYS_DIR/kek.previous. ' +
      'Stopped at any point (kill -9), every key opens with the old or the new key; run it again to finish. ' +
      'Refused while the service holds the embedded database, or while other sessions are connected to PostgreSQL. ' +
      `With KEY_ENCRYPTION_KEY, --new-key-out names the file for the new key. ${HOST}`,
    who: 'host',
    options: {
      'new-key-out': { type: 'string', arg: 'FILE', help: 'with KEY_ENCRYPTION_KEY: where to write the new key' },
      force: { type: 'boolean', help: 'PostgreSQL: rotate although other sessions are connected (none of them Ieum)' },
    },
    examples: ['ieum kek rotate'],
    run: beside('kekRotate'),
  },
  {
    name: 'doctor',
    summary: 'Check the database: migrations, private keys, status lists, status indexes; counts per institution',
    description: `Exit code 0 only when every check holds, 1 when one fails. ${HOST}`,
    who: 'host',
    options: { json: { type: 'boolean', help: 'the report as JSON' } },
    examples: ['ieum doctor'],
    run: beside('doctor'),
  },
];

const COMMANDS: Command[] = [
  {
    name: 'issuer create',
    summary: 'Create an institution and its first API key (operator)',
    description:
      "Prints the DID and the API key. The key is shown only this once. Here --url is the institution's web site; " +
      'give the service with IEUM_URL or --service-url.',
    who: 'operator',
    options: {
      slug: { type: 'string', arg: 'SLUG', required: true, help: 'lower-case letters, digits and hyphens; part of the DID and the URLs' },
      name: { type: 'string', arg: 'NAME', required: true, help: "the institution's name, as learners know it" },
      url: { type: 'string', arg: 'URL', required: true, help: "the institution's web site (https://…)" },
      email: { type: 'string', arg: 'EMAIL', required: true, help: 'contact e-mail shown in the issuer profile' },
      description: { type: 'string', arg: 'TEXT', help: 'a sentence about the institution' },
      ...json,
    },
    examples: [
      'IEUM_TOKEN=$ADMIN_TOKEN ieum issuer create --slug seoul-women --name 서울여성능력개발원 \\\n    --url https://women.seoul.example --email badges@women.seoul.example',
    ],
    run: issuerCreate,
  },
  {
    name: 'api-key create',
    summary: 'Create another API key for an institution (operator)',
    who: 'operator',
    options: {
      slug: { type: 'string', arg: 'SLUG', required: true, help: 'the institution' },
      label: { type: 'string', arg: 'LABEL', help: 'what the key is for, e.g. "2026 spring cohort laptop"' },
      ...json,
    },
    examples: ['IEUM_TOKEN=$ADMIN_TOKEN ieum api-key create --slug seoul-women --label "registrar office"'],
    run: apiKeyCreate,
  },
  {
    name: 'achievement create',
    summary: 'Define what the institution awards; prints its id',
    description: 'The id alone goes to stdout, so ACH=$(ieum achievement create …) keeps it.',
    who: 'institution',
    options: {
      kind: { type: 'string', arg: 'KIND', required: true, help: 'course | study_group | training_hours' },
      name: { type: 'string', arg: 'NAME', required: true, help: 'e.g. "백엔드 개발자 입문과정"' },
      description: { type: 'string', arg: 'TEXT', required: true, help: 'what the programme is' },
      criteria: { type: 'string', arg: 'TEXT', required: true, help: 'what earns it, e.g. "출석 80% 이상, 최종 프로젝트 통과"' },
      hours: { type: 'string', arg: 'H', help: 'hours of the programme' },
      'required-hours': { type: 'string', arg: 'H', help: 'training_hours: the hours that earn the credential (e.g. 60)' },
      tag: { type: 'string', multiple: true, arg: 'TAG', help: 'a keyword; repeat for more' },
      ...json,
    },
    examples: [
      'ieum achievement create --kind course --name "백엔드 개발자 입문과정" --description "Node.js와 PostgreSQL" \\\n    --criteria "출석 80% 이상" --hours 450 --tag 백엔드 --tag Node.js',
      'ieum achievement create --kind training_hours --name "2026 직무교육" --description "연간 직무교육" \\\n    --criteria "연 60시간 이수" --required-hours 60',
    ],
    run: achievementCreate,
  },
  {
    name: 'issue',
    summary: 'Issue a cohort from a CSV file, with a progress bar and a result CSV',
    description:
      'The file (UTF-8, with or without BOM) has a header row; its columns are those of POST /v1/credentials/batch: ' +
      'name, email, did, externalId, validFrom, validUntil, activityStartDate, activityEndDate, role, term, creditsEarned, ' +
      'narrative, result, evidenceUrl, evidenceName, evidenceNarrative, groupName, groupTopic, sessionsAttended, sessionsTotal, idempotencyKey. ' +
      "It is sent in chunks, each with an Idempotency-Key made from the file's SHA-256, the achievement and the chunk, so the same " +
      'command run again (after a failure) issues nothing twice. A learner twice in the file is issued once. ' +
      'The result CSV has row,line,name,email,credential_url,error for every data row. ' +
      'Exit code 0 when every row is issued (or was before), 1 when some rows failed, 2 when the run could not start or stopped.',
    who: 'institution',
    options: {
      achievement: { type: 'string', arg: 'ID', required: true, help: 'the achievement to award' },
      csv: { type: 'string', arg: 'FILE', required: true, help: 'the cohort' },
      out: { type: 'string', arg: 'FILE', help: 'the result CSV (default: FILE with .results.csv in place of .csv)' },
      chunk: { type: 'string', arg: 'N', help: 'rows per request, 1–10000 (default 500)' },
    },
    examples: ['ieum issue --achievement $ACH --csv cohort-2026-spring.csv'],
    run: issue,
  },
  {
    name: 'hours record',
    summary: 'Record training sessions from a CSV file, one request per row',
    description:
      `Columns: ${HOURS_COLUMNS.join(',')} (email or externalId names the learner). ` +
      "When a learner's total for the year reaches the achievement's required hours, its credential is issued, once. " +
      'The result CSV adds session_id, total_hours, required_hours, credential_url, issued_now and error. ' +
      'Sessions have no idempotency key: after a stopped run, send only the rows not recorded.',
    who: 'institution',
    options: {
      csv: { type: 'string', arg: 'FILE', required: true, help: 'the sessions' },
      out: { type: 'string', arg: 'FILE', help: 'the result CSV (default: FILE with .results.csv in place of .csv)' },
      achievement: { type: 'string', arg: 'ID', help: 'the achievement for rows whose achievementId is empty' },
    },
    examples: ['ieum hours record --csv sessions-2026-04.csv'],
    run: hoursRecord,
  },
  {
    name: 'revoke',
    summary: 'Revoke a credential (final)',
    who: 'institution',
    options: {
      credential: { type: 'string', arg: 'ID', required: true, help: 'the credential id, or its URL (…/c/<id>)' },
      reason: { type: 'string', arg: 'TEXT', help: 'why, kept with the credential, e.g. "잘못 발급됨"' },
      ...json,
    },
    examples: ['ieum revoke --credential 6f0e5c1a-2b7d-4c8e-9f10-3a4b5c6d7e8f --reason "잘못 발급됨"'],
    run: revoke,
  },
  ...OPS_COMMANDS,
];

const CONNECTION: Record<string, OptionSpec> = {
  url: { type: 'string', arg: 'URL', help: `the service (default: $IEUM_URL, else ${DEFAULT_URL})` },
  'service-url': { type: 'string', arg: 'URL', help: 'the same as --url' },
  token: {
    type: 'string',
    arg: 'TOKEN',
    help: 'the API key, or the operator token (default: $IEUM_TOKEN; prefer the variable, a flag shows in the process list)',
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

function optionsOf(command: Command): Record<string, OptionSpec> {
  if (command.who === 'host') return { ...command.options, help: CONNECTION.help! };
  // issuer create has --url of its own (the institution's site): the service is --service-url there.
  const connection = { ...CONNECTION };
  if (command.options.url) delete connection.url;
  return { ...command.options, ...connection };
}

const wrap = (text: string, indent: string, width = 100): string => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width - indent.length) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
};

function usageLine(command: Command): string {
  const parts = Object.entries(command.options).map(([name, o]) => {
    const flag = o.type === 'string' ? `--${name} ${o.arg ?? 'VALUE'}${o.multiple ? ' …' : ''}` : `--${name}`;
    return o.required ? flag : `[${flag}]`;
  });
  return `ieum ${command.name} ${parts.join(' ')}`;
}

function commandHelp(command: Command): string {
  const options = optionsOf(command);
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    return [flag, `${o.help}${o.required ? ' (required)' : ''}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    `Usage: ${usageLine(command)}`,
    '',
    wrap(command.summary + (command.description ? `. ${command.description}` : '.'), ''),
    '',
    'Options:',
    ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`),
    '',
    'Example:',
    ...command.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `ieum ${VERSION}: the command line for institutions on an Ieum service (Open Badges 3.0 credentials).`,
    '',
    'Usage: ieum <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Connection (the commands that talk to a running service):',
    `  IEUM_URL    the service, default ${DEFAULT_URL} (what \`npm start\` serves); or --url`,
    "  IEUM_TOKEN  the institution's API key, or the operator token for issuer/api-key; or --token.",
    '              The operator commands also read ADMIN_TOKEN. The token is never printed.',
    '',
    "Beside the service (db, backup, restore, kek, doctor): run them with the service's own environment",
    '  (DATA_DIR or DATABASE_URL, KEYS_DIR or KEY_ENCRYPTION_KEY, PUBLIC_URL); see docs/operations.md.',
    '',
    'Exit codes: 0 done; 1 the service refused rows or the request, or doctor found a problem; 2 bad usage',
    'or file, the service cannot be reached, the token is refused, or a run stopped before its end.',
    '',
    'Run `ieum <command> --help` for its options.',
    '',
  ].join('\n');
}

/** Finds the command named by the first one or two words. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const two = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === argv[0]);
  return one ? { command: one, rest: argv.slice(1) } : undefined;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const say = (line: string) => void io.stderr.write(`ieum: ${line}\n`);
  const first = argv[0];
  if (first === undefined) {
    io.stderr.write(globalHelp());
    return EXIT.usage;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const named = findCommand(argv.slice(1));
    io.stdout.write(named ? commandHelp(named.command) : globalHelp());
    return EXIT.ok;
  }

  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0) {
      if (argv.includes('--help') || argv.includes('-h')) {
        io.stdout.write(group.map(commandHelp).join('\n'));
        return EXIT.ok;
      }
      say(`"${[first, argv[1]].filter(Boolean).join(' ')}" is not a command; try ${group.map((c) => `"ieum ${c.name}"`).join(' or ')}`);
    } else {
      say(`unknown command "${first}"; run ieum --help for the list`);
    }
    return EXIT.usage;
  }

  const { command, rest } = found;
  const specs = optionsOf(command);
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(specs)) {
    options[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) };
  }

  let values: Values;
  try {
    values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    say(`${(error as Error).message.split('. ')[0]!.replace(/\.$/, '')}; see ieum ${command.name} --help`);
    return EXIT.usage;
  }
  if (values.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }

  try {
    const missing = Object.entries(command.options).filter(([name, o]) => o.required && (values[name] === undefined || values[name] === ''));
    if (missing.length > 0)
      throw new UsageError(`${missing.map(([name]) => `--${name}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} required; see ieum ${command.name} --help`);
    const ctx = createContext(io, values, { who: command.who === 'institution' ? 'institution' : 'operator', urlIsService: !command.options.url });
    return await command.run(ctx, values);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConnectionError || error instanceof Refusal) {
      say(error.message);
      return EXIT.usage;
    }
    if (error instanceof ProblemError) {
      say(error.message);
      return error.status === 401 || error.status === 403 || error.status >= 500 ? EXIT.usage : EXIT.refused;
    }
    say(`unexpected error: ${(error as Error)?.message ?? String(error)}`);
    if (io.env.IEUM_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return EXIT.usage;
  }
}
