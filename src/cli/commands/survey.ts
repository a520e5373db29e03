import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { writePrivateFile } from '../../support/private-files';
import { apiClient, CliError, withClientOptions, type ClientOptions } from '../context';

/** The API's limit on an imported file (bytes, before base64). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

interface ImportResult {
  streamName: string;
  revision: number;
  eventTypes: string[];
  file: { name: string; sha256: string };
  responses: number;
  benchmarks: number;
}

/**
 * `taizhang survey import <round> --file <path>` and `taizhang survey report <round>`, beside the round's own commands
 * in the `survey` group that `registerProcessCommands` builds from the registry. The file import takes the place of the
 * generated `survey import`, whose rows (already parsed) cannot be given as options.
 */
export function registerSurveyCommands(program: Command): void {
  const group = program.commands.find((c) => c.name() === 'survey') ?? program.command('survey').description('满意度调查 (satisfaction survey)');
  const generated = group.commands.findIndex((c) => c.name() === 'import');
  if (generated >= 0) (group.commands as Command[]).splice(generated, 1);

  const fileImport = withClientOptions(
    group
      .command('import')
      .description("import an outsourced survey's results from an .xlsx or .csv file (委外调查结果): a file with one bad row is refused whole; the same file twice is one import")
      .argument('<round>', 'survey round id, e.g. special-2027-dealers')
      .requiredOption('--file <path>', '.xlsx or .csv: header 类型, 客户编号, 竞争对手, the indicators (e.g. 交货期), 意见和建议; one row per questionnaire (required)')
      .option('--json', 'print the result as JSON'),
  ).action(async (round: string, opts: ClientOptions & { file: string; json?: boolean }) => {
    let size: number;
    try {
      size = statSync(opts.file).size;
    } catch {
      throw new CliError(`--file ${opts.file}: no such file`);
    }
    if (size > MAX_FILE_BYTES) throw new CliError(`--file ${opts.file}: must be at most 5 MB (it has ${(size / 1024 / 1024).toFixed(1)} MB); split it into several files`);
    const body = { filename: path.basename(opts.file), content: readFileSync(opts.file).toString('base64') };
    const r = await apiClient(opts).request<ImportResult>('POST', `/surveys/${encodeURIComponent(round)}/import-file`, body);
    if (opts.json) {
      process.stdout.write(JSON.stringify(r) + '\n');
      return;
    }
    const what = r.eventTypes.length ? `${r.responses} questionnaires, ${r.benchmarks} competitor forms` : 'no change';
    process.stdout.write(`survey ${round} import ${r.file.name}: ${what} (${r.streamName} revision ${r.revision}; sha256 ${r.file.sha256.slice(0, 12)}…)\n`);
  });
  // Where the generated one was, so `taizhang survey --help` keeps the round's order (open … import, close).
  if (generated >= 0) {
    const commands = group.commands as Command[];
    commands.splice(commands.indexOf(fileImport), 1);
    commands.splice(generated, 0, fileImport);
  }

  withClientOptions(
    group
      .command('report')
      .description('the round report for the analysis meeting: 概况, 分项分布, 趋势 (from the surveys ledger)')
      .argument('<round>', 'survey round id, e.g. key-2027Q1')
      .addOption(new Option('--format <format>', 'output format').choices(['xlsx', 'csv', 'json']).default('xlsx'))
      .option('--out <file>', 'file to write (default: survey-report-<round>.<format>; json goes to standard output)'),
  ).action(async (round: string, opts: ClientOptions & { format: 'xlsx' | 'csv' | 'json'; out?: string }) => {
    const url = `/surveys/${encodeURIComponent(round)}/report?format=${opts.format}`;
    if (opts.format === 'json' && !opts.out) {
      process.stdout.write(JSON.stringify(await apiClient(opts).request('GET', url), null, 2) + '\n');
      return;
    }
    const bytes = await apiClient(opts).download(url);
    const out = opts.out ?? `survey-report-${round}.${opts.format}`;
    writePrivateFile(out, bytes); // respondents' comments: owner-only
    process.stdout.write(`wrote ${out} (${bytes.length.toLocaleString()} bytes)\n`);
  });
}
