import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { bodyOf, commanderOption, optionsOf } from '../../src/cli/options';
import { changeProcess } from '../../src/processes/change';
import { enquiryProcess } from '../../src/processes/enquiry';

/** CLI options come from each command's zod input: the same fields and rules the API has. */
describe('CLI options from input schemas', () => {
  const parse = (fields: ReturnType<typeof optionsOf>, argv: string[]) => {
    const cmd = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    for (const f of fields) cmd.addOption(commanderOption(f));
    cmd.parse(argv, { from: 'user' });
    return bodyOf(fields, cmd.opts());
  };

  it('a required yes/no takes true or false, so a failed verification can be recorded', () => {
    const fields = optionsOf(changeProcess.commands.verify!.input);
    expect(parse(fields, ['--passed', 'false', '--note', '未按新日期交付'])).toEqual({ passed: false, note: '未按新日期交付' });
    expect(parse(fields, ['--passed', 'true', '--note', '已核对'])).toEqual({ passed: true, note: '已核对' });
    expect(() => parse(fields, ['--passed', 'maybe', '--note', 'x'])).toThrow(/Allowed choices are true, false/);
  });

  it('an optional yes/no stays a flag; numbers are numbers', () => {
    expect(parse(optionsOf(enquiryProcess.commands.receive!.input, ['enquiryId']), ['--channel', 'phone', '--topic', '保修', '--major'])).toEqual({ channel: 'phone', topic: '保修', major: true });
    const submit = optionsOf(changeProcess.commands.submit!.input, ['changeId']);
    expect(parse(submit, ['--customer-id', 'C1', '--kind', 'price', '--description', 'd', '--reason', 'r', '--amount', '30000.5', '--affects', 'HT-1'])).toMatchObject({ amount: 30000.5, customerId: 'C1' });
  });
});
