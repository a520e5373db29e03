import { SMTPServer } from 'smtp-server';

/** One message as a real SMTP server on loopback received it: its notification key, Message-ID and recipients. */
export interface ReceivedMail {
  key: string;
  messageId: string;
  to: string[];
}

export interface SmtpInbox {
  port: number;
  mail: ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps every message it receives, for tests and the chaos run. */
export async function startSmtpInbox(port: number): Promise<SmtpInbox> {
  const mail: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString()));
      stream.on('end', () => {
        const header = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(raw)?.[1]?.trim() ?? '(none)';
        mail.push({ key: header('X-Taizhang-Key'), messageId: header('Message-ID'), to: session.envelope.rcptTo.map((r) => r.address) });
        callback();
      });
    },
  });
  smtp.on('error', () => undefined); // a killed worker resets its pooled connection: expected in these runs
  await new Promise<void>((r) => smtp.listen(port, '127.0.0.1', r));
  return { port, mail, close: () => new Promise<void>((r) => smtp.close(() => r())) };
}
